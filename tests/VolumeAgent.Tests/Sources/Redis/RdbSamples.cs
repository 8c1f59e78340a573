namespace VolumeAgent.Tests.Sources.Redis;

/// <summary>
/// Output of <c>redis-cli --rdb -</c> from volume-agent-test/redis:7 (Redis 7.0.15), taken by hand and kept as base64.
/// </summary>
internal static class RdbSamples
{
    /// <summary>Ten keys of every type (string, int, list, hash, set, intset, zset, stream with a group, one with a TTL) in db0 and two in db2, sent diskless: the file is followed by redis-cli's 40-character end-of-transfer mark.</summary>
    public static readonly byte[] MixedDiskless = Convert.FromBase64String(
        """
        UkVESVMwMDEw+glyZWRpcy12ZXIGNy4wLjE1+gpyZWRpcy1iaXRzwED6BWN0aW1lwlBBFWv6CHVzZWQtbWVtwqBmEgD6DnJlcGwt
        c3RyZWFtLWRiwAD6B3JlcGwtaWQoYjYyYTYzNWUwZmE4YjRlYTMzZmE4OWJmM2EzOTcwN2U1MDg1ZjQ4NfoLcmVwbC1vZmZzZXTA
        APoIYW9mLWJhc2XAAP4A+woBAAVwbGFpbgtoZWxsbyB3b3JsZBMGc3RyZWFtARAAAAGiSwcMEAAAAAAAAAAAwzk/FD8AAAARAAIB
        AAEBAYVmaWVsZAYAAUAOCQABhXZhbHVlBgQgCkAdAgEBhmAfAjIHhmAYBDIHBgH/AoEAAAGiSwcMEAGBAAABoksHDBAAAAACAQNn
        cnAAAIH//////////wAACwZpbnRzZXQQAgAAAAQAAAABAAIAAwAEABEEenNldCEhAAAABgCDb25lBAEBg3R3bwSDMi41BIV0aHJl
        ZQYDAf/8E+38UKIBAAAACHZvbGF0aWxlAXYQBGhhc2gdHQAAAAYAgmYxA4J2MQOCZjIDgnYyA4JmMwMDAf8SBGxpc3QBAhwcAAAA
        CACBYQKBYgKBYwKBZAKBZQIBAQIBAwH/AAZudW1iZXLBOTAAA2JpZ8MJQIgBQUHgewABQUECA3NldAMBegF4AXn+AvsCAAAFb3Ro
        ZXLAAQAGb3RoZXIywAL//zrxq4B7ukM1MmNhNzY5MDY3OWNhMjBjYmZkOGIwODdlYTY1MjAwNzE2ZGExYzli
        """.Replace("\n", string.Empty, StringComparison.Ordinal));

    /// <summary>An empty server, sent diskless (with the mark).</summary>
    public static readonly byte[] EmptyDiskless = Convert.FromBase64String(
        """
        UkVESVMwMDEw+glyZWRpcy12ZXIGNy4wLjE1+gpyZWRpcy1iaXRzwED6BWN0aW1lwlVBFWv6CHVzZWQtbWVtwvD/EgD6DnJlcGwt
        c3RyZWFtLWRiwAD6B3JlcGwtaWQoYjYyYTYzNWUwZmE4YjRlYTMzZmE4OWJmM2EzOTcwN2U1MDg1ZjQ4NfoLcmVwbC1vZmZzZXTA
        N/oIYW9mLWJhc2XAAP9CtfNPtOnAADUyY2E3NjkwNjc5Y2EyMGNiZmQ4YjA4N2VhNjUyMDA3MTZkYTFjOWI=
        """.Replace("\n", string.Empty, StringComparison.Ordinal));

    /// <summary>One key, sent from disk (<c>repl-diskless-sync no</c>): the file alone, no mark.</summary>
    public static readonly byte[] OneKeyDiskBased = Convert.FromBase64String(
        """
        UkVESVMwMDEw+glyZWRpcy12ZXIGNy4wLjE1+gpyZWRpcy1iaXRzwED6BWN0aW1lwlZBFWv6CHVzZWQtbWVtwvjrEwD6DnJlcGwt
        c3RyZWFtLWRiwAD6B3JlcGwtaWQoYjYyYTYzNWUwZmE4YjRlYTMzZmE4OWJmM2EzOTcwN2U1MDg1ZjQ4NfoLcmVwbC1vZmZzZXTA
        afoIYW9mLWJhc2XAAP4A+wEAAAFrAXb/YOFvr2klI6Y=
        """.Replace("\n", string.Empty, StringComparison.Ordinal));
}
