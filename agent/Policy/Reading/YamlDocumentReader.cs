using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace VolumeAgent.Policy.Reading;

/// <summary>
/// Turns backup.yml's text into YamlDotNet's representation model. Duplicate keys are reported here and the
/// repeated entry dropped, because <see cref="YamlStream"/> stops at the first one and would hide every
/// other problem in the file.
/// </summary>
internal static class YamlDocumentReader
{
    /// <summary>Returns the first document's root node, or null when the text has none or is not valid YAML.</summary>
    public static YamlNode? Read(string text, ProblemCollector problems)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(problems);

        var events = ReadEvents(text, problems);
        if (events is null)
        {
            return null;
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new ReplayParser(events));
        }
        catch (YamlException e)
        {
            problems.Add(e.Start, string.Empty, "YAML error: " + e.Message);
            return null;
        }

        if (stream.Documents.Count > 1)
        {
            problems.Add(stream.Documents[1].RootNode.Start, string.Empty, "the file holds more than one YAML document (---); keep everything in one");
        }

        var root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        if (root is null || NodeReader.IsNull(root))
        {
            problems.Add(1, 1, string.Empty, "the file is empty; it needs at least 'storage' and 'jobs'");
            return null;
        }

        return root;
    }

    private static List<ParsingEvent>? ReadEvents(string text, ProblemCollector problems)
    {
        var events = new List<ParsingEvent>();
        var frames = new Stack<Frame>();
        var parser = new Parser(new StringReader(text));
        var skipping = false;
        var skipNesting = 0;
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        ParsingEvent? last = null;
        try
        {
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                last = current;
                if (skipping)
                {
                    skipNesting += current switch
                    {
                        MappingStart or SequenceStart => 1,
                        MappingEnd or SequenceEnd => -1,
                        _ => 0,
                    };
                    skipping = skipNesting > 0;
                    continue;
                }

                if (current is NodeEvent { Anchor.IsEmpty: false } anchored)
                {
                    anchors.Add(anchored.Anchor.Value);
                }
                else if (current is AnchorAlias alias && !anchors.Contains(alias.Value.Value))
                {
                    // YamlDotNet reports this later, without a position and in words that are not for users.
                    problems.Add(
                        (int)alias.Start.Line,
                        (int)alias.Start.Column,
                        string.Empty,
                        $"the alias *{alias.Value.Value} names no anchor: put &{alias.Value.Value} on a value above it, or quote the value if '*' is meant literally");
                    return null;
                }

                var parent = frames.Count > 0 ? frames.Peek() : null;
                switch (current)
                {
                    case DocumentStart:
                        frames.Clear();
                        break;
                    case Scalar scalar when parent is { IsMapping: true, ExpectKey: true }:
                        var key = scalar.Value;
                        if (parent.Keys.TryGetValue(key, out var first))
                        {
                            problems.Add(
                                scalar.Start,
                                PolicyPath.Key(parent.Path, key),
                                $"duplicate key '{key}' (first set on line {first.Line.ToString(CultureInfo.InvariantCulture)}); this one is ignored");
                            skipping = true;
                            skipNesting = 0;
                            continue;
                        }

                        parent.Keys.Add(key, scalar.Start);
                        parent.PendingKey = key;
                        parent.Complete();
                        break;
                    case Scalar or AnchorAlias:
                        parent?.Complete();
                        break;
                    case MappingStart or SequenceStart:
                        frames.Push(new Frame(current is MappingStart, ChildPath(parent)));
                        break;
                    case MappingEnd or SequenceEnd:
                        frames.Pop();
                        if (frames.Count > 0)
                        {
                            frames.Peek().Complete();
                        }

                        break;
                }

                events.Add(current);
            }
        }
        catch (YamlException e)
        {
            var (line, column) = e.Message.Contains("tab", StringComparison.OrdinalIgnoreCase)
                ? FindTabIndentation(text, (int)e.Start.Line) ?? ((int)e.Start.Line, (int)e.Start.Column)
                : ((int)e.Start.Line, (int)e.Start.Column);
            problems.Add(line, column, string.Empty, "YAML syntax error: " + e.Message + QuotingHint(text, e));
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this without a position on some malformed flow collections;
            // the last node it managed to read is the nearest place to look.
            var mark = last?.Start ?? Mark.Empty;
            problems.Add(Math.Max(1, (int)mark.Line), Math.Max(1, (int)mark.Column), string.Empty, "YAML syntax error at or after this point; check that brackets [ ], braces { } and quotes are closed");
            return null;
        }

        return events;
    }

    /// <summary>
    /// What to do about the parser's message: the commonest causes in backup.yml are an unquoted cron expression or
    /// macro, a quote left open and a key indented unlike its neighbours.
    /// </summary>
    private static string QuotingHint(string text, YamlException e)
    {
        if (e.Message.Contains("anchor or alias", StringComparison.Ordinal))
        {
            return " A value starting with * or & is read as a YAML alias or anchor: quote it, e.g. \"*/5 * * * *\".";
        }

        if (e.Message.Contains("quoted scalar", StringComparison.Ordinal))
        {
            return " A quoted value is not closed: end it with the same quote on the line it starts on.";
        }

        if (e.Message.Contains("did not find expected key", StringComparison.Ordinal)
            || e.Message.Contains("mapping values are not allowed", StringComparison.Ordinal))
        {
            return " Check the indentation of this line and the one above: the keys of one map start in the same column, with spaces only.";
        }

        var lines = text.Split('\n');
        var line = (int)e.Start.Line - 1;
        var column = (int)e.Start.Column - 1;
        if (line >= 0 && line < lines.Length && column >= 0 && column < lines[line].Length && lines[line][column] is '@' or '`')
        {
            return $" A value starting with {lines[line][column]} must be quoted, e.g. \"@daily\".";
        }

        return string.Empty;
    }

    /// <summary>YamlDotNet reports a tab in indentation at the start of the enclosing mapping; the tab itself is more useful.</summary>
    private static (int Line, int Column)? FindTabIndentation(string text, int fromLine)
    {
        var lines = text.Split('\n');
        for (var i = Math.Max(0, fromLine - 1); i < lines.Length; i++)
        {
            var indentation = lines[i].Length - lines[i].TrimStart(' ').Length;
            if (indentation < lines[i].Length && lines[i][indentation] == '\t')
            {
                return (i + 1, indentation + 1);
            }
        }

        return null;
    }

    private static string ChildPath(Frame? parent) => parent switch
    {
        null => string.Empty,
        { IsMapping: false } => PolicyPath.Item(parent.Path, parent.Index),
        { ExpectKey: true } => parent.Path,
        _ => PolicyPath.Key(parent.Path, parent.PendingKey ?? "?"),
    };

    private sealed class Frame(bool isMapping, string path)
    {
        public bool IsMapping { get; } = isMapping;

        public string Path { get; } = path;

        public Dictionary<string, Mark> Keys { get; } = new(StringComparer.Ordinal);

        public bool ExpectKey { get; private set; } = true;

        public string? PendingKey { get; set; }

        public int Index { get; private set; }

        public void Complete()
        {
            if (IsMapping)
            {
                ExpectKey = !ExpectKey;
            }
            else
            {
                Index++;
            }
        }
    }

    private sealed class ReplayParser(List<ParsingEvent> events) : IParser
    {
        private int position = -1;

        public ParsingEvent? Current => position >= 0 && position < events.Count ? events[position] : null;

        public bool MoveNext()
        {
            if (position < events.Count)
            {
                position++;
            }

            return position < events.Count;
        }
    }
}
