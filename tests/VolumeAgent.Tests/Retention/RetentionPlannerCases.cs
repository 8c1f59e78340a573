namespace VolumeAgent.Tests.Retention;

/// <summary>Histories with their decisions worked out by hand (calendar facts checked against a calendar).</summary>
public static class RetentionPlannerCases
{
    private const string Utc = "UTC";
    private const string Berlin = "Europe/Berlin";
    private const string Now = "2026-03-31T12:00:00Z";

    public static TheoryData<PlanCase> All => new()
    {
        new PlanCase("empty history with rules", Utc, Now, new(Last: 3, Daily: 7), [], []),

        new PlanCase("empty history without rules", Utc, Now, new(), [], []),

        new PlanCase(
            "only failed and incomplete sets: nothing is deleted", Utc, Now, new(Last: 1, Daily: 7),
            [
                new("f1", "2026-03-01T02:00:00Z", "failed"),
                new("i1", "2026-03-02T02:00:00Z", "incomplete"),
                new("f2", "2026-03-03T02:00:00Z", "failed"),
            ],
            [
                "f2 KEEP: no successful set yet",
                "i1 KEEP: no successful set yet",
                "f1 KEEP: no successful set yet",
            ]),

        new PlanCase(
            "no rules: everything is kept, failed sets too", Utc, Now, new(),
            [
                new("ok1", "2026-03-01T02:00:00Z", "ok"),
                new("f1", "2026-03-02T02:00:00Z", "failed"),
                new("ok2", "2026-03-03T02:00:00Z", "ok"),
                new("i1", "2026-03-04T02:00:00Z", "incomplete"),
            ],
            [
                "i1 KEEP: no retention rules",
                "ok2 KEEP: no retention rules",
                "f1 KEEP: no retention rules",
                "ok1 KEEP: no retention rules",
            ]),

        new PlanCase(
            "keep_last 2 keeps the two newest", Utc, Now, new(Last: 2),
            [
                new("a", "2026-03-01T02:00:00Z", "ok"),
                new("b", "2026-03-02T02:00:00Z", "ok"),
                new("c", "2026-03-03T02:00:00Z", "ok"),
                new("d", "2026-03-04T02:00:00Z", "ok"),
            ],
            [
                "d KEEP: newest successful, last 1",
                "c KEEP: last 2",
                "b DELETE: no rule keeps it",
                "a DELETE: no rule keeps it",
            ]),

        new PlanCase(
            "keep_last counts successful sets only", Utc, Now, new(Last: 3),
            [
                new("a", "2026-03-01T02:00:00Z", "ok"),
                new("b", "2026-03-02T02:00:00Z", "ok"),
                new("fb", "2026-03-02T12:00:00Z", "failed"),
                new("c", "2026-03-03T02:00:00Z", "ok"),
                new("ic", "2026-03-03T12:00:00Z", "incomplete"),
                new("d", "2026-03-04T02:00:00Z", "ok"),
            ],
            [
                "d KEEP: newest successful, last 1",
                "ic DELETE: incomplete",
                "c KEEP: last 2",
                "fb DELETE: failed",
                "b KEEP: last 3",
                "a DELETE: no rule keeps it",
            ]),

        new PlanCase(
            "keep_last larger than the history keeps all", Utc, Now, new(Last: 5),
            [
                new("a", "2026-03-01T02:00:00Z", "ok"),
                new("b", "2026-03-02T02:00:00Z", "ok"),
            ],
            [
                "b KEEP: newest successful, last 1",
                "a KEEP: last 2",
            ]),

        new PlanCase(
            "keep_hourly 2 keeps the newest set of the two newest hours", Utc, Now, new(Hourly: 2),
            [
                new("h1005", "2026-03-10T10:05:00Z", "ok"),
                new("h1040", "2026-03-10T10:40:00Z", "ok"),
                new("h1110", "2026-03-10T11:10:00Z", "ok"),
                new("h1150", "2026-03-10T11:50:00Z", "ok"),
                new("h1220", "2026-03-10T12:20:00Z", "ok"),
            ],
            [
                "h1220 KEEP: newest successful, hourly 2026-03-10 12:00",
                "h1150 KEEP: hourly 2026-03-10 11:00",
                "h1110 DELETE: no rule keeps it",
                "h1040 DELETE: no rule keeps it",
                "h1005 DELETE: no rule keeps it",
            ]),

        new PlanCase(
            "keep_daily 3 counts days that have a set, skipping empty days", Utc, Now, new(Daily: 3),
            [
                new("d01", "2026-03-01T09:00:00Z", "ok"),
                new("d03a", "2026-03-03T08:00:00Z", "ok"),
                new("d03b", "2026-03-03T20:00:00Z", "ok"),
                new("d04", "2026-03-04T01:00:00Z", "ok"),
            ],
            [
                "d04 KEEP: newest successful, daily 2026-03-04",
                "d03b KEEP: daily 2026-03-03",
                "d03a DELETE: no rule keeps it",
                "d01 KEEP: daily 2026-03-01",
            ]),

        new PlanCase(
            "keep_weekly: a Sunday and the next Monday are different ISO weeks", Utc, Now, new(Weekly: 3),
            [
                new("sun22", "2026-03-22T23:00:00Z", "ok"),
                new("mon23", "2026-03-23T00:30:00Z", "ok"),
                new("sun29", "2026-03-29T22:00:00Z", "ok"),
                new("mon30", "2026-03-30T00:10:00Z", "ok"),
            ],
            [
                "mon30 KEEP: newest successful, weekly 2026-W14",
                "sun29 KEEP: weekly 2026-W13",
                "mon23 DELETE: no rule keeps it",
                "sun22 KEEP: weekly 2026-W12",
            ]),

        new PlanCase(
            "keep_weekly in UTC: Sunday 23:30 UTC is still Sunday", Utc, Now, new(Weekly: 2),
            [
                new("a", "2026-03-22T22:30:00Z", "ok"),
                new("b", "2026-03-22T23:30:00Z", "ok"),
                new("c", "2026-03-24T12:00:00Z", "ok"),
            ],
            [
                "c KEEP: newest successful, weekly 2026-W13",
                "b KEEP: weekly 2026-W12",
                "a DELETE: no rule keeps it",
            ]),

        new PlanCase(
            "keep_weekly in Berlin: Sunday 23:30 UTC is Monday 00:30 local", Berlin, Now, new(Weekly: 2),
            [
                new("a", "2026-03-22T22:30:00Z", "ok"), // Sunday 23:30 +01:00
                new("b", "2026-03-22T23:30:00Z", "ok"), // Monday 00:30 +01:00
                new("c", "2026-03-24T12:00:00Z", "ok"),
            ],
            [
                "c KEEP: newest successful, weekly 2026-W13",
                "b DELETE: no rule keeps it",
                "a KEEP: weekly 2026-W12",
            ]),

        new PlanCase(
            "keep_monthly across month ends", Utc, Now, new(Monthly: 3),
            [
                new("jan31", "2026-01-31T23:00:00Z", "ok"),
                new("feb01", "2026-02-01T00:00:00Z", "ok"),
                new("feb28", "2026-02-28T23:59:00Z", "ok"),
                new("mar01", "2026-03-01T00:00:00Z", "ok"),
                new("mar31", "2026-03-31T12:00:00Z", "ok"),
            ],
            [
                "mar31 KEEP: newest successful, monthly 2026-03",
                "mar01 DELETE: no rule keeps it",
                "feb28 KEEP: monthly 2026-02",
                "feb01 DELETE: no rule keeps it",
                "jan31 KEEP: monthly 2026-01",
            ]),

        new PlanCase(
            "keep_monthly in Berlin: 23:30 UTC on February 28 is March 1 local", Berlin, Now, new(Monthly: 2),
            [
                new("feb", "2026-02-28T22:30:00Z", "ok"), // 23:30 +01:00 on February 28
                new("mar", "2026-02-28T23:30:00Z", "ok"), // 00:30 +01:00 on March 1
                new("later", "2026-03-15T12:00:00Z", "ok"),
            ],
            [
                "later KEEP: newest successful, monthly 2026-03",
                "mar DELETE: no rule keeps it",
                "feb KEEP: monthly 2026-02",
            ]),

        new PlanCase(
            "keep_yearly 2", Utc, Now, new(Yearly: 2),
            [
                new("y24", "2024-06-01T12:00:00Z", "ok"),
                new("y25", "2025-12-31T23:00:00Z", "ok"),
                new("y26a", "2026-01-01T01:00:00Z", "ok"),
                new("y26b", "2026-07-01T12:00:00Z", "ok"),
            ],
            [
                "y26b KEEP: newest successful, yearly 2026",
                "y26a DELETE: no rule keeps it",
                "y25 KEEP: yearly 2025",
                "y24 DELETE: no rule keeps it",
            ]),

        new PlanCase(
            "ISO weeks across a year end: 2027-01-01 to 01-03 are 2026-W53 but yearly 2027", Utc, "2027-01-04T18:00:00Z",
            new(Weekly: 3, Yearly: 2),
            [
                new("dec28", "2026-12-28T12:00:00Z", "ok"),
                new("dec29", "2026-12-29T12:00:00Z", "ok"),
                new("dec30", "2026-12-30T12:00:00Z", "ok"),
                new("dec31", "2026-12-31T12:00:00Z", "ok"),
                new("jan01", "2027-01-01T12:00:00Z", "ok"),
                new("jan02", "2027-01-02T12:00:00Z", "ok"),
                new("jan03", "2027-01-03T12:00:00Z", "ok"),
                new("jan04", "2027-01-04T12:00:00Z", "ok"),
            ],
            [
                "jan04 KEEP: newest successful, weekly 2027-W01, yearly 2027",
                "jan03 KEEP: weekly 2026-W53",
                "jan02 DELETE: no rule keeps it",
                "jan01 DELETE: no rule keeps it",
                "dec31 KEEP: yearly 2026",
                "dec30 DELETE: no rule keeps it",
                "dec29 DELETE: no rule keeps it",
                "dec28 DELETE: no rule keeps it",
            ]),

        new PlanCase(
            "2027-01-01 is in 2026-W53 and 2026-12-27 in 2026-W52", Utc, "2027-01-02T00:00:00Z", new(Weekly: 2),
            [
                new("dec27", "2026-12-27T12:00:00Z", "ok"),
                new("jan01", "2027-01-01T12:00:00Z", "ok"),
            ],
            [
                "jan01 KEEP: newest successful, weekly 2026-W53",
                "dec27 KEEP: weekly 2026-W52",
            ]),

        new PlanCase(
            "Berlin spring forward (2026-03-29 02:00 -> 03:00): 01:30 and 03:30 are one day", Berlin, Now, new(Daily: 2),
            [
                new("a", "2026-03-28T23:30:00+01:00", "ok"),
                new("b", "2026-03-28T23:30:00Z", "ok"), // 00:30 +01:00 on March 29
                new("c", "2026-03-29T01:30:00+01:00", "ok"),
                new("d", "2026-03-29T03:30:00+02:00", "ok"), // 01:30Z: one hour after c
            ],
            [
                "d KEEP: newest successful, daily 2026-03-29",
                "c DELETE: no rule keeps it",
                "b DELETE: no rule keeps it",
                "a KEEP: daily 2026-03-28",
            ]),

        new PlanCase(
            "Berlin spring forward hourly: 01:xx and 03:xx are adjacent hours", Berlin, Now, new(Hourly: 3),
            [
                new("x", "2026-03-29T00:45:00+01:00", "ok"),
                new("a", "2026-03-29T01:30:00+01:00", "ok"),
                new("b", "2026-03-29T03:10:00+02:00", "ok"),
                new("c", "2026-03-29T03:40:00+02:00", "ok"),
            ],
            [
                "c KEEP: newest successful, hourly 2026-03-29 03:00",
                "b DELETE: no rule keeps it",
                "a KEEP: hourly 2026-03-29 01:00",
                "x KEEP: hourly 2026-03-29 00:00",
            ]),

        new PlanCase(
            "Berlin fall back (2026-10-25 03:00 -> 02:00): 01:30 and 03:30 are one day", Berlin, "2026-10-26T00:00:00Z",
            new(Daily: 2),
            [
                new("z", "2026-10-24T23:30:00+02:00", "ok"),
                new("a", "2026-10-25T01:30:00+02:00", "ok"),
                new("b", "2026-10-25T03:30:00+01:00", "ok"), // 02:30Z: three hours after a
            ],
            [
                "b KEEP: newest successful, daily 2026-10-25",
                "a DELETE: no rule keeps it",
                "z KEEP: daily 2026-10-24",
            ]),

        new PlanCase(
            "Berlin fall back hourly: both passes through 02:xx are one bucket", Berlin, "2026-10-26T00:00:00Z",
            new(Hourly: 5),
            [
                new("p", "2026-10-25T01:30:00+02:00", "ok"), // 2026-10-24T23:30Z
                new("q", "2026-10-25T02:10:00+02:00", "ok"), // 00:10Z
                new("r", "2026-10-25T02:50:00+02:00", "ok"), // 00:50Z
                new("s", "2026-10-25T02:20:00+01:00", "ok"), // 01:20Z, the repeated hour
                new("t", "2026-10-25T03:05:00+01:00", "ok"), // 02:05Z
            ],
            [
                "t KEEP: newest successful, hourly 2026-10-25 03:00",
                "s KEEP: hourly 2026-10-25 02:00",
                "r DELETE: no rule keeps it",
                "q DELETE: no rule keeps it",
                "p KEEP: hourly 2026-10-25 01:00",
            ]),

        new PlanCase(
            "keep_within 2d keeps successful sets strictly younger than 2 days", Utc, Now, new(Within: "2.00:00:00"),
            [
                new("a", "2026-03-29T11:59:59Z", "ok"),
                new("b", "2026-03-29T12:00:00Z", "ok"), // exactly 2 days old: out
                new("c", "2026-03-29T12:00:01Z", "ok"),
                new("fo", "2026-03-30T00:00:00Z", "failed"),
                new("d", "2026-03-31T06:00:00Z", "ok"),
            ],
            [
                "d KEEP: newest successful, within 2d",
                "fo DELETE: failed",
                "c KEEP: within 2d",
                "b DELETE: no rule keeps it",
                "a DELETE: no rule keeps it",
            ]),

        new PlanCase(
            "keep_within 36h is named 1d12h", Utc, Now, new(Within: "1.12:00:00"),
            [
                new("b", "2026-03-29T23:30:00Z", "ok"), // 36.5 hours old
                new("a", "2026-03-30T00:30:00Z", "ok"), // 35.5 hours old
                new("n", "2026-03-31T11:00:00Z", "ok"),
            ],
            [
                "n KEEP: newest successful, within 1d12h",
                "a KEEP: within 1d12h",
                "b DELETE: no rule keeps it",
            ]),

        new PlanCase(
            "the newest successful set stays though keep_within 1h does not keep it", Utc, Now, new(Within: "01:00:00"),
            [
                new("old", "2026-03-28T12:00:00Z", "ok"),
                new("new", "2026-03-29T12:00:00Z", "ok"), // 2 days old
                new("fail", "2026-03-30T12:00:00Z", "failed"),
                new("run", "2026-03-31T11:30:00Z", "incomplete"),
            ],
            [
                "run KEEP: newer than the newest successful set",
                "fail KEEP: newer than the newest successful set",
                "new KEEP: newest successful",
                "old DELETE: no rule keeps it",
            ]),

        new PlanCase(
            "failed and incomplete: older than the newest successful deleted, newer kept", Utc, Now, new(Daily: 7),
            [
                new("s1", "2026-03-01T02:00:00Z", "ok"),
                new("f1", "2026-03-02T02:00:00Z", "failed"),
                new("i1", "2026-03-03T02:00:00Z", "incomplete"),
                new("s2", "2026-03-04T02:00:00Z", "ok"),
                new("f2", "2026-03-05T02:00:00Z", "failed"),
                new("i2", "2026-03-06T02:00:00Z", "incomplete"),
            ],
            [
                "i2 KEEP: newer than the newest successful set",
                "f2 KEEP: newer than the newest successful set",
                "s2 KEEP: newest successful, daily 2026-03-04",
                "i1 DELETE: incomplete",
                "f1 DELETE: failed",
                "s1 KEEP: daily 2026-03-01",
            ]),

        new PlanCase(
            "ties: equal start times order by descending id", Utc, Now, new(Last: 1),
            [
                new("c", "2026-02-28T02:00:00Z", "ok"),
                new("a", "2026-03-01T02:00:00Z", "ok"),
                new("b", "2026-03-01T02:00:00Z", "ok"),
            ],
            [
                "b KEEP: newest successful, last 1",
                "a DELETE: no rule keeps it",
                "c DELETE: no rule keeps it",
            ]),

        new PlanCase(
            "ties: a failed set with the newest successful's start time is newer when its id sorts higher", Utc, Now,
            new(Daily: 1),
            [
                new("aa", "2026-03-02T02:00:00Z", "ok"),
                new("zz", "2026-03-02T02:00:00Z", "failed"),
                new("bb", "2026-03-02T02:00:00Z", "failed"),
                new("old", "2026-03-01T02:00:00Z", "ok"),
            ],
            [
                "zz KEEP: newer than the newest successful set",
                "bb KEEP: newer than the newest successful set",
                "aa KEEP: newest successful, daily 2026-03-02",
                "old DELETE: no rule keeps it",
            ]),

        new PlanCase(
            "combined last, daily, weekly, monthly and within list every reason", Utc, Now,
            new(Last: 2, Daily: 3, Weekly: 2, Monthly: 2, Within: "3.00:00:00"),
            [
                new("feb20", "2026-02-20T02:00:00Z", "ok"),
                new("feb27", "2026-02-27T02:00:00Z", "ok"),
                new("m22", "2026-03-22T02:00:00Z", "ok"),
                new("m28", "2026-03-28T02:00:00Z", "ok"),
                new("m29", "2026-03-29T02:00:00Z", "ok"),
                new("m30a", "2026-03-30T02:00:00Z", "ok"),
                new("m30b", "2026-03-30T14:00:00Z", "ok"),
                new("f30", "2026-03-30T20:00:00Z", "failed"),
                new("m31", "2026-03-31T02:00:00Z", "ok"),
            ],
            [
                "m31 KEEP: newest successful, last 1, daily 2026-03-31, weekly 2026-W14, monthly 2026-03, within 3d",
                "f30 DELETE: failed",
                "m30b KEEP: last 2, daily 2026-03-30, within 3d",
                "m30a KEEP: within 3d",
                "m29 KEEP: daily 2026-03-29, weekly 2026-W13, within 3d",
                "m28 DELETE: no rule keeps it",
                "m22 DELETE: no rule keeps it",
                "feb27 KEEP: monthly 2026-02",
                "feb20 DELETE: no rule keeps it",
            ]),

        new PlanCase(
            "combined last, hourly and yearly", Utc, Now, new(Last: 1, Hourly: 2, Yearly: 3),
            [
                new("y23", "2023-05-05T12:00:00Z", "ok"),
                new("y24", "2024-12-31T23:00:00Z", "ok"),
                new("y25a", "2025-01-01T00:00:00Z", "ok"),
                new("y25b", "2025-06-01T12:00:00Z", "ok"),
                new("t0950", "2026-03-31T09:50:00Z", "ok"),
                new("t1010", "2026-03-31T10:10:00Z", "ok"),
                new("t1030", "2026-03-31T10:30:00Z", "ok"),
            ],
            [
                "t1030 KEEP: newest successful, last 1, hourly 2026-03-31 10:00, yearly 2026",
                "t1010 DELETE: no rule keeps it",
                "t0950 KEEP: hourly 2026-03-31 09:00",
                "y25b KEEP: yearly 2025",
                "y25a DELETE: no rule keeps it",
                "y24 KEEP: yearly 2024",
                "y23 DELETE: no rule keeps it",
            ]),
    };
}
