using VolumeAgent.Policy.Reading;

namespace VolumeAgent.Policy.Notify;

/// <summary>Reads the root <c>notify</c> map: one target per key, each with its type's keys.</summary>
internal static class NotifyReader
{
    public const string Key = "notify";

    public static readonly IReadOnlyList<string> CommonKeys = ["type", "on"];

    public static readonly IReadOnlyList<string> UrlKeys = ["url", "url_file"];

    public static readonly IReadOnlyList<string> WebhookKeys = ["secret_file"];

    public static readonly IReadOnlyList<string> EmailKeys = ["smtp_host", "smtp_port", "starttls", "ca_file", "username", "password_file", "from", "to"];

    /// <summary>Every key a target may have, whatever its type.</summary>
    public static IReadOnlyList<string> AllKeys { get; } = [.. CommonKeys, .. UrlKeys, .. WebhookKeys, .. EmailKeys];

    private const string OnExample = "[failure, missed]";

    /// <summary>The targets by name, in file order; empty when there is no <c>notify</c>.</summary>
    public static IReadOnlyDictionary<string, NotifyTarget> Read(NodeReader reader, MapNode root)
    {
        var targets = new Dictionary<string, NotifyTarget>(StringComparer.Ordinal);
        var map = reader.Map(root, Key);
        if (map is null)
        {
            return targets;
        }

        foreach (var entry in map.Entries)
        {
            var path = map.PathOf(entry.Key);
            var name = reader.CheckName(entry.Key, entry.KeyNode.Start, path, "notify target");
            var target = NodeReader.IsNull(entry.Value)
                ? Missing(reader, entry.KeyNode.Start, path)
                : reader.AsMap(entry.Value, path, entry.KeyNode.Start, "a map such as { type: webhook, url: https://... }") is { } targetMap
                    ? ReadOne(reader, entry.Key, targetMap)
                    : null;
            if (name is not null && target is not null)
            {
                targets[name] = target;
            }
        }

        return targets;
    }

    private static NotifyTarget? Missing(NodeReader reader, YamlDotNet.Core.Mark mark, string path)
    {
        reader.Report(mark, path, "is empty; a notify target needs at least 'type' (webhook, slack, ntfy, email or ping) and its 'url'");
        return null;
    }

    private static NotifyTarget? ReadOne(NodeReader reader, string name, MapNode map)
    {
        var problemsBefore = reader.Problems.Count;
        var type = reader.Choice(map, "type", NotifyEvents.Types, required: true);
        if (type is not { } known)
        {
            reader.RejectUnknownKeys(map, AllKeys);
            return null;
        }

        var allowed = KeysOf(known);
        reader.RejectUnknownKeys(map, allowed, key => AllKeys.Contains(key)
            ? $"'{key}' does not apply to a target of type {NotifyEvents.Text(known)}; allowed here: {string.Join(", ", allowed)}"
            : null);
        var on = ReadOn(reader, map, known);
        var url = known == NotifyType.Email ? null : ReadUrl(reader, map);
        var signingKey = known == NotifyType.Webhook ? reader.Secret(map, "secret") : null;
        var email = known == NotifyType.Email ? ReadEmail(reader, map) : null;
        if (reader.Problems.Count > problemsBefore || on is null)
        {
            return null;
        }

        return new NotifyTarget { Name = name, Type = known, On = on, Url = url, SigningKey = signingKey, Email = email };
    }

    private static List<string> KeysOf(NotifyType type) => type switch
    {
        NotifyType.Email => [.. CommonKeys, .. EmailKeys],
        NotifyType.Webhook => [.. CommonKeys, .. UrlKeys, .. WebhookKeys],
        _ => [.. CommonKeys, .. UrlKeys],
    };

    /// <summary>The target's <c>on</c> list; by default failures (a ping target: failures and successes, as its service expects).</summary>
    private static HashSet<NotifyEvent>? ReadOn(NodeReader reader, MapNode map, NotifyType type)
    {
        var names = NotifyEvents.Names.Select(n => n.Name).ToList();
        var texts = reader.TextList(
            map,
            "on",
            OnExample,
            text => names.Contains(text, StringComparer.Ordinal) ? null : $"'{text}' is not an event; use any of {string.Join(", ", names)}{KeySuggestion.DidYouMean(text, names)}");
        if (texts is null)
        {
            return map.Has("on") ? null : type == NotifyType.Ping ? [NotifyEvent.Failure, NotifyEvent.Success] : [NotifyEvent.Failure];
        }

        if (texts.Count == 0)
        {
            reader.Report(NodeReader.ValueMark(map, "on"), map.PathOf("on"), $"list at least one event, e.g. {OnExample}, or remove 'on' to be told of failures");
            return null;
        }

        return [.. texts.Select(t => NotifyEvents.Names.First(n => n.Name == t).Value)];
    }

    /// <summary>The target's URL, inline (<c>${VAR}</c> allowed) or from <c>url_file</c>; the value is never quoted in a message.</summary>
    private static Secret? ReadUrl(NodeReader reader, MapNode map)
    {
        if (!map.Has("url") && !map.Has("url_file"))
        {
            reader.ReportMissing(map, "url", "; set 'url' (e.g. https://hooks.example.com/backup or ${NOTIFY_URL}) or 'url_file' (a file that holds it)");
            return null;
        }

        var url = reader.Secret(map, "url");
        if (url is null)
        {
            return null;
        }

        if (!Uri.TryCreate(url.Reveal(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            var key = map.Has("url") ? "url" : "url_file";
            reader.Report(NodeReader.ValueMark(map, key), map.PathOf(key), "is not an absolute http:// or https:// URL; write the full address, e.g. https://ntfy.sh/my-backups");
            return null;
        }

        return url;
    }

    private static EmailSettings? ReadEmail(NodeReader reader, MapNode map)
    {
        var host = reader.Text(map, "smtp_host", required: true, missingHint: "; the SMTP server's host name, e.g. smtp.example.com");
        var startTls = reader.Boolean(map, "starttls") ?? true;
        var port = reader.Integer(map, "smtp_port", 1, 65535) ?? (startTls ? 587 : 25);
        var caFile = reader.Text(map, "ca_file");
        if (caFile is not null && !caFile.StartsWith('/'))
        {
            reader.Report(NodeReader.ValueMark(map, "ca_file"), map.PathOf("ca_file"), $"must be an absolute path to a PEM file, got '{caFile}'");
        }
        var username = reader.Text(map, "username");
        var password = reader.Secret(map, "password");
        if (username is not null && password is null && !map.Has("password_file"))
        {
            reader.ReportMissing(map, "password_file", " when 'username' is set; put the password in a file, e.g. /run/secrets/smtp_password");
        }
        else if (username is null && map.Has("password_file"))
        {
            reader.ReportMissing(map, "username", " when 'password_file' is set");
        }

        var from = reader.Text(map, "from", required: true, missingHint: "; the sender address, e.g. backups@example.com");
        var to = reader.TextList(map, "to", "[ops@example.com]", text => text.Contains('@', StringComparison.Ordinal) ? null : $"'{text}' is not an email address", required: true);
        if (to is { Count: 0 })
        {
            reader.Report(NodeReader.ValueMark(map, "to"), map.PathOf("to"), "list at least one address, e.g. [ops@example.com]");
        }

        if (from is not null && !from.Contains('@', StringComparison.Ordinal))
        {
            reader.Report(NodeReader.ValueMark(map, "from"), map.PathOf("from"), $"'{from}' is not an email address; write e.g. backups@example.com");
        }

        return host is null || from is null || to is null
            ? null
            : new EmailSettings { SmtpHost = host, SmtpPort = port, StartTls = startTls, CaFile = caFile, Username = username, Password = password, From = from, To = to };
    }
}
