namespace VolumeAgent.Scheduling;

/// <summary>The firing half of the loop: starting due jobs, skipping busy ones, moving with the clock, and draining at shutdown.</summary>
internal sealed partial class JobScheduler
{
    private void FireDue(DateTimeOffset now, CancellationToken cancellationToken)
    {
        Job[] due;
        lock (_gate)
        {
            due = _jobs.Where(j => j.Next <= now).OrderBy(j => j.Next).ToArray();
        }

        foreach (var job in due)
        {
            Fire(job, now, cancellationToken);
        }
    }

    private void Fire(Job job, DateTimeOffset now, CancellationToken cancellationToken)
    {
        DateTimeOffset scheduled;
        DateTimeOffset? next;
        bool busy;
        lock (_gate)
        {
            scheduled = job.Next!.Value;
            job.LastScheduled = scheduled;
            job.Next = next = job.Schedule.NextAfter(now);
            busy = job.Running is { IsCompleted: false };
        }

        if (now - scheduled >= MaxWait)
        {
            _log.ForEvent(LogEvents.ScheduledRunLate).Warning(
                "Job {Job} was due at {Scheduled:u}, but the clock reads {Now:u} (it was set forward, or the host was asleep); "
                + "running it once now, firings missed in between are not repeated",
                job.Name,
                scheduled,
                now);
        }

        if (busy)
        {
            Skipped?.Invoke(job.Name, scheduled);
            _log.ForEvent(LogEvents.ScheduledRunOverlaps).Warning(
                "Job {Job} is still running from an earlier start; the run scheduled for {Scheduled:u} is skipped, next run at {Next:u}",
                job.Name,
                scheduled,
                next);
            return;
        }

        if (next is null)
        {
            _log.ForEvent(LogEvents.ScheduleExhausted).Warning("Job {Job}'s schedule {Schedule} fires no more after this run", job.Name, job.Schedule.Expression);
        }

        var jitter = job.Jitter > TimeSpan.Zero
            ? TimeSpan.FromTicks((long)(_random.NextDouble() * job.Jitter.Ticks))
            : TimeSpan.Zero;
        _log.ForEvent(LogEvents.ScheduledRunJitter).Debug("Job {Job} fires for {Scheduled:u} after a jitter of {Jitter}", job.Name, scheduled, jitter);
        var run = RunOnceAsync(job, jitter, cancellationToken);
        lock (_gate)
        {
            job.Running = run;
        }
    }

    private async Task RunOnceAsync(Job job, TimeSpan jitter, CancellationToken cancellationToken)
    {
        try
        {
            if (jitter > TimeSpan.Zero)
            {
                await Task.Delay(jitter, _time, cancellationToken);
            }

            await _runJob(job.Name, ScheduleTrigger, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _log.ForEvent(LogEvents.ScheduledRunCancelled).Information("Job {Job} was cancelled: the scheduler is stopping", job.Name);
        }
#pragma warning disable CA1031 // Whatever one run throws, the other jobs and later runs must go on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            DateTimeOffset? next;
            lock (_gate)
            {
                next = job.Next;
            }

            _log.ForEvent(LogEvents.ScheduledRunFailed).Error(ex, "Job {Job} failed; the scheduler carries on, next run at {Next:u}", job.Name, next);
        }
    }

    private void Reschedule(DateTimeOffset now)
    {
        lock (_gate)
        {
            foreach (var job in _jobs)
            {
                var from = job.LastScheduled is { } last && last > now ? last : now;
                job.Next = job.Schedule.NextAfter(from);
            }
        }
    }

    private TimeSpan DelayUntilNext(DateTimeOffset now)
    {
        DateTimeOffset? wake;
        lock (_gate)
        {
            wake = _jobs.Min(j => j.Next);
        }

        var delay = wake is { } at && at - now < MaxWait ? at - now : MaxWait;

        // Task.Delay counts whole milliseconds and drops the rest; waking early would only spin.
        return TimeSpan.FromMilliseconds(Math.Ceiling(delay.TotalMilliseconds));
    }

    private async Task DrainAsync()
    {
        Job[] running;
        lock (_gate)
        {
            running = _jobs.Where(j => j.Running is { IsCompleted: false }).ToArray();
        }

        if (running.Length == 0)
        {
            return;
        }

        var names = running.Select(j => j.Name).ToArray();
        _log.ForEvent(LogEvents.SchedulerDraining).Information("Waiting up to {Grace} for running jobs {Jobs} to stop", ShutdownGrace, names);
        try
        {
            await Task.WhenAll(running.Select(j => j.Running!)).WaitAsync(ShutdownGrace, _time);
        }
        catch (TimeoutException)
        {
            var still = running.Where(j => !j.Running!.IsCompleted).Select(j => j.Name).ToArray();
            _log.ForEvent(LogEvents.SchedulerAbandonedJobs).Warning(
                "Jobs {Jobs} did not stop within {Grace} of the shutdown request and are abandoned; "
                + "their backup sets stay incomplete (no manifest) and containers they stopped may need a manual start",
                still,
                ShutdownGrace);
        }
    }
}
