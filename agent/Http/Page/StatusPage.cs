using System.Globalization;
using System.Net;
using System.Text;
using VolumeAgent.Control.Status;
using VolumeAgent.Policy;
using VolumeAgent.Presentation;

namespace VolumeAgent.Http.Page;

/// <summary>
/// The status page at <c>/</c>: one server-rendered HTML document, no script, no external asset, inline CSS that
/// reads on a phone. Every job with its last run, next run and running state, then its newest sets per storage
/// (status, size, duration, verification, tag). Every text from the configuration or a storage is HTML-encoded.
/// </summary>
internal static class StatusPage
{
    /// <summary>How many of a job's newest sets each storage shows.</summary>
    public const int SetsShown = 10;

    private const string Style = """
        body{font-family:system-ui,sans-serif;margin:0;padding:1rem;background:#f6f7f9;color:#1d232b;line-height:1.4}
        h1{font-size:1.3rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:0}h3{font-size:.95rem;margin:.75rem 0 .25rem}
        .meta{color:#5b6570;font-size:.85rem;margin-bottom:1rem}
        section{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:.75rem 1rem;margin-bottom:1rem}
        .facts{display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;font-size:.9rem;margin:.4rem 0}
        .facts b{font-weight:600}
        .ok{color:#11713a}.bad{color:#b3261e;font-weight:600}.run{color:#8a5a00}
        .scroll{overflow-x:auto}
        table{border-collapse:collapse;font-size:.85rem;width:100%}
        th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #eceff2;white-space:nowrap}
        th{color:#5b6570;font-weight:600}
        .err{white-space:normal;color:#b3261e;font-size:.85rem}
        """;

    public static string Render(BackupPolicy policy, AgentStatus status, SetList sets)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(sets);
        var zone = policy.TimeZone;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
            .Append("<title>volume-agent status</title><style>").Append(Style).Append("</style></head><body>");
        html.Append("<h1>volume-agent</h1><div class=\"meta\">")
            .Append(E($"version {status.AgentVersion}, {(status.EngineConnected ? "connected to the Docker engine" : "not connected to the Docker engine yet")}, "))
            .Append(E($"{status.Jobs.Count} job(s), times in {zone.Id}, generated {Time(status.GeneratedAt, zone)}"))
            .Append("</div>");
        var problems = HealthCheck.Problems(status);
        html.Append("<section><h2>Health: ")
            .Append(problems.Count == 0 ? "<span class=\"ok\">healthy</span>" : "<span class=\"bad\">unhealthy</span>")
            .Append("</h2>");
        foreach (var problem in problems)
        {
            html.Append("<div class=\"err\">").Append(E(problem)).Append("</div>");
        }

        html.Append("</section>");
        foreach (var job in status.Jobs)
        {
            Job(html, policy, job, sets.Sets.Where(s => s.Job == job.Job).ToList(), zone);
        }

        html.Append("</body></html>");
        return html.ToString();
    }

    private static void Job(StringBuilder html, BackupPolicy policy, JobStatus job, List<SetEntry> sets, TimeZoneInfo zone)
    {
        html.Append("<section id=\"job-").Append(E(job.Job)).Append("\"><h2>").Append(E(job.Job)).Append("</h2><div class=\"facts\">");
        Fact(html, "schedule", job.Schedule ?? "on demand");
        Fact(html, "next run", job.Schedule is null ? "on demand" : job.NextRun is { } next ? Time(next, zone) : "never");
        if (job.Running is { } running)
        {
            html.Append("<span class=\"run\"><b>running</b> ").Append(E($"{running.Trigger} run since {Time(running.Since, zone)}{(running.Step is null ? string.Empty : ": " + running.Step)}")).Append("</span>");
        }

        if (job.LastRun is { } last)
        {
            html.Append("<span><b>last run</b> ").Append(E(Time(last.StartedAt, zone))).Append(' ').Append(Status(last.Status)).Append("</span>");
            Fact(html, "size", Bytes.Format(last.StoredBytes));
            Fact(html, "duration", last.Duration is { } duration ? StatusFormatter.Duration(duration) : "-");
            Fact(html, "artifacts", last.FailedArtifacts > 0 ? $"{last.Artifacts} ({last.FailedArtifacts} failed)" : last.Artifacts.ToString(CultureInfo.InvariantCulture));
            if (last.Tag is not null)
            {
                Fact(html, "tag", last.Tag);
            }
        }
        else
        {
            Fact(html, "last run", "none yet");
        }

        Fact(html, "verify", job.VerifySchedule is null ? "on demand" : $"{job.VerifySchedule}, next {(job.NextVerify is { } nv ? Time(nv, zone) : "never")}");
        html.Append("</div>");
        if (job.LastRun is { Error: { } error })
        {
            html.Append("<div class=\"err\">").Append(E(error)).Append("</div>");
        }

        foreach (var storage in policy.FindJob(job.Job)?.StorageNames ?? [])
        {
            var inStorage = sets.Where(s => s.Storage == storage).OrderByDescending(s => s.StartedAt).Take(SetsShown).ToList();
            html.Append("<h3>").Append(E($"storage {storage}: {sets.Count(s => s.Storage == storage)} set(s)")).Append("</h3>");
            if (inStorage.Count == 0)
            {
                continue;
            }

            html.Append("<div class=\"scroll\"><table><tr><th>started</th><th>status</th><th>size</th><th>duration</th><th>artifacts</th><th>verified</th><th>tag</th></tr>");
            foreach (var set in inStorage)
            {
                html.Append("<tr><td>").Append(E(Time(set.StartedAt, zone)))
                    .Append("</td><td>").Append(Status(set.Status))
                    .Append("</td><td>").Append(E(Bytes.Format(set.StoredBytes)))
                    .Append("</td><td>").Append(E(set.FinishedAt is { } end ? StatusFormatter.Duration(end - set.StartedAt) : "-"))
                    .Append("</td><td>").Append(set.Artifacts.ToString(CultureInfo.InvariantCulture))
                    .Append("</td><td>").Append(E(set.Verified is null ? "-" : $"{set.Verified} {(set.VerifiedAt is { } at ? Time(at, zone) : string.Empty)}"))
                    .Append("</td><td>").Append(E(set.Tag ?? string.Empty)).Append("</td></tr>");
            }

            html.Append("</table></div>");
        }

        html.Append("</section>");
    }

    private static void Fact(StringBuilder html, string name, string value) =>
        html.Append("<span><b>").Append(E(name)).Append("</b> ").Append(E(value)).Append("</span>");

    private static string Status(string status) =>
        $"<span class=\"{(status == RunRecord.Succeeded ? "ok" : "bad")}\">{E(status)}</span>";

    private static string Time(DateTimeOffset at, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(at, zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
