using System.Globalization;
using System.Text;
using VolumeAgent.Policy;

namespace VolumeAgent.Notifiers;

/// <summary>A notification in words, for the notifiers that send text (chat, ntfy, email, a ping's body).</summary>
internal static class NotificationText
{
    /// <summary>Long errors are cut here: a chat message or a ping body has limits of its own.</summary>
    private const int MaxErrorLength = 2000;

    public static string Title(Notification n)
    {
        ArgumentNullException.ThrowIfNull(n);
        return n.Kind switch
        {
            NotificationKind.Started => $"Backup of {n.Job} started",
            NotificationKind.Success => $"Backup of {n.Job} succeeded",
            NotificationKind.Failure => $"Backup of {n.Job} {(n.Status == "cancelled" ? "was cancelled" : "FAILED")}",
            NotificationKind.RetentionError => $"Retention of {n.Job} FAILED",
            NotificationKind.VerifyFailure => $"{(n.Trigger == "drill" ? "Drill" : "Verification")} of {n.Job} FAILED",
            NotificationKind.Missed => $"Backup of {n.Job} MISSED its schedule",
            _ => $"Backup of {n.Job}: {n.Status}",
        };
    }

    /// <summary>The details, one fact a line: run, set, sizes, duration, the error and each failed artifact with its error.</summary>
    public static string Body(Notification n)
    {
        ArgumentNullException.ThrowIfNull(n);
        var text = new StringBuilder();
        Line(text, $"Job: {n.Job}");
        if (n.RunId is not null)
        {
            Line(text, $"Run: {n.RunId}{(n.Trigger is null ? string.Empty : $" ({n.Trigger})")}");
        }

        if (n.Set is not null)
        {
            Line(text, n.Storage is null ? $"Set: {n.Set}" : $"Set: {n.Set} in storage {n.Storage}");
        }

        if (n.Kind is NotificationKind.Success or NotificationKind.Failure && n.Artifacts.Count > 0)
        {
            Line(text, $"Artifacts: {n.Artifacts.Count} ({n.Failed.Count()} failed), {Bytes.Format(n.RawBytes)} read, {Bytes.Format(n.StoredBytes)} stored");
        }

        if (n.Duration is { } duration && duration >= TimeSpan.Zero)
        {
            Line(text, $"Duration: {Duration.Format(TimeSpan.FromSeconds(Math.Round(duration.TotalSeconds)))}");
        }

        if (n.Error is not null)
        {
            Line(text, $"Error: {Cut(n.Error)}");
        }

        foreach (var failed in n.Failed)
        {
            Line(text, $"- {failed.Source}{(failed.File is null || failed.Source == failed.File ? string.Empty : $" ({failed.File})")}: {Cut(failed.Error ?? "failed")}");
        }

        Line(text, $"At: {n.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}Z");
        return text.ToString().TrimEnd('\n');
    }

    public static string TitleAndBody(Notification n) => Title(n) + "\n" + Body(n);

    private static string Cut(string text) => text.Length <= MaxErrorLength ? text : string.Concat(text.AsSpan(0, MaxErrorLength), "…");

    private static void Line(StringBuilder text, string line) => text.Append(line).Append('\n');
}
