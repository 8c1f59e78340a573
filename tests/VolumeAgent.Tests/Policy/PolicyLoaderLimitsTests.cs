using System.Globalization;
using System.Text;
using VolumeAgent.Policy;
using VolumeAgent.Policy.Reading;
using static VolumeAgent.Tests.Policy.PolicyTestHelpers;

namespace VolumeAgent.Tests.Policy;

/// <summary>A file of nothing but mistakes, or with huge values, still gives a short report.</summary>
public sealed class PolicyLoaderLimitsTests
{
    [Fact]
    public void Load_ThousandUnknownKeys_ListsTheFirstFiftyByPositionAndCountsTheRest()
    {
        var yaml = new StringBuilder(Minimal + "\n");
        for (var i = 0; i < 1000; i++)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"unknown{i}: x\n");
        }

        var failure = LoadFailure(yaml.ToString());

        failure.Total.Should().Be(1000);
        failure.Problems.Should().HaveCount(PolicyException.MaxListed);
        failure.Problems.Select(p => p.Path).Should().Equal(Enumerable.Range(0, 50).Select(i => $"unknown{i}"));
        failure.Problems.Select(p => p.Line).Should().BeInAscendingOrder();
        failure.Message.Should().StartWith("backup.yml has 1000 problem(s); the first 50:")
            .And.EndWith("(and 950 more problem(s) not listed; fix these and run validate again)");
        failure.Message.Split('\n').Should().HaveCount(52);
    }

    [Fact]
    public void Load_ProblemsFoundOutOfFileOrder_KeepsTheEarliest()
    {
        // The jobs are read before nothing else is wrong at the top; 'storage' missing is found last but is at 1:1.
        var yaml = new StringBuilder("jobs:\n");
        for (var i = 0; i < 60; i++)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  j{i}:\n    sources: []\n");
        }

        var failure = LoadFailure(yaml.ToString());

        failure.Total.Should().Be(61);
        failure.Problems[0].Path.Should().Be("storage");
        failure.Problems.Skip(1).Select(p => p.Path).Should().Equal(Enumerable.Range(0, 49).Select(i => $"jobs.j{i}.sources"));
    }

    [Fact]
    public void Load_HugeValue_IsQuotedShortWithItsLength()
    {
        var value = new string('x', 5_000_000);

        var problem = LoadFailure($"log_format: {value}\n" + Minimal).Problems.Should().ContainSingle().Subject;

        problem.Message.Should().Be($"'{new string('x', ProblemText.MaxQuoted)}…' (5000000 characters) is not allowed; use one of text, json");
    }

    [Fact]
    public void Load_HugeKey_ShortensThePathAndTheMessage()
    {
        // An explicit key ("? "): YAML allows plain keys of at most 1024 characters.
        var key = "k" + new string('y', 3_000_000);

        var problem = LoadFailure($"? {key}\n: 1\n" + Minimal).Problems.Should().ContainSingle().Subject;

        problem.Path.Length.Should().BeLessThanOrEqualTo(ProblemText.MaxPath + 40);
        problem.Path.Should().StartWith("kyyy").And.Contain("(3000001 characters in all)");
        problem.Message.Should().Be($"unknown key '{key[..ProblemText.MaxQuoted]}…' (3000001 characters); allowed here: timezone, helper_image, state_dir, log_format, project, stall_timeout, http, engines, storage, notify, jobs");
    }

    [Fact]
    public void Load_HugeValueWithQuotesInside_IsStillCut()
    {
        var value = string.Concat(Enumerable.Repeat("it's ", 400_000));

        var problem = LoadFailure($"helper_image: \"{value}\"\n" + Minimal).Problems.Should().ContainSingle().Subject;

        problem.Message.Length.Should().BeLessThanOrEqualTo(ProblemText.MaxMessage + 40);
        problem.Message.Should().StartWith("'it's it's").And.Contain("characters in all").And.EndWith("is not an image reference (it contains spaces)");
    }

    [Theory]
    [InlineData("short 'value' kept", "short 'value' kept")]
    [InlineData("no quotes at all", "no quotes at all")]
    [InlineData("an 'unclosed quote", "an 'unclosed quote")]
    public void Message_ShortText_IsKeptAsItIs(string message, string expected) => ProblemText.Message(message).Should().Be(expected);

    [Fact]
    public void Message_TwoLongValues_AreEachCut()
    {
        var a = new string('a', 150);
        var b = new string('b', 120);

        ProblemText.Message($"set '{a}' or '{b}', not both").Should()
            .Be($"set '{new string('a', 100)}…' (150 characters) or '{new string('b', 100)}…' (120 characters), not both");
    }

    [Fact]
    public void Message_CutAtASurrogatePair_KeepsThePairWhole()
    {
        var value = new string('x', ProblemText.MaxQuoted - 1) + string.Concat(Enumerable.Repeat("🔑", 50));

        var shortened = ProblemText.Message($"'{value}' is wrong");

        shortened.Should().Be($"'{new string('x', ProblemText.MaxQuoted - 1)}…' ({value.Length} characters) is wrong");
    }

    [Fact]
    public void KeySuggestion_HugeInput_SuggestsNothing() =>
        KeySuggestion.Closest(new string('j', 2_000_000) + "obs", ["jobs", "storage"]).Should().BeNull();
}
