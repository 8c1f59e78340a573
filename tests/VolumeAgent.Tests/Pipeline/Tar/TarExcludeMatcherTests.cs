using VolumeAgent.Pipeline.Tar;

namespace VolumeAgent.Tests.Pipeline.Tar;

public sealed class TarExcludeMatcherTests
{
    [Theory]
    [InlineData("cache/*", "cache", false)]
    [InlineData("cache/*", "cache/a", true)]
    [InlineData("cache/*", "cache/a/b/c", true)]
    [InlineData("cache/*", "other/cache/a", false)]
    [InlineData("cache", "cache", true)]
    [InlineData("cache", "cache/a/b", true)]
    [InlineData("cache", "x/cache/a", true)]
    [InlineData("cache", "cachet", false)]
    [InlineData("/cache", "x/cache", false)]
    [InlineData("cache/", "x/cache/a", true)]
    [InlineData("a/cache", "x/a/cache", false)]
    [InlineData("./cache/", "cache/a", true)]
    [InlineData("*.tmp", "a.tmp", true)]
    [InlineData("*.tmp", "deep/er/a.tmp", true)]
    [InlineData("*.tmp", "a.tmpx", false)]
    [InlineData("*.tmp", "dir.tmp/inside", true)]
    [InlineData("logs/**", "logs", false)]
    [InlineData("logs/**", "logs/a", true)]
    [InlineData("logs/**", "logs/a/b", true)]
    [InlineData("**/node_modules", "a/b/node_modules/x", true)]
    [InlineData("**/node_modules", "node_modules", true)]
    [InlineData("a/**/z", "a/z", true)]
    [InlineData("a/**/z", "a/b/c/z", true)]
    [InlineData("a/**/z", "a/b/c/y", false)]
    [InlineData("data/file?.db", "data/file1.db", true)]
    [InlineData("data/file?.db", "data/file12.db", false)]
    [InlineData("data/[ab]*.db", "data/b-main.db", true)]
    [InlineData("data/[!ab]*.db", "data/b-main.db", false)]
    [InlineData("data/[0-9]", "data/7", true)]
    [InlineData("data/[0-9]", "data/x", false)]
    [InlineData("a/*/c", "a/b/c", true)]
    [InlineData("a/*/c", "a/b/x/c", false)]
    [InlineData("weird\\*name", "weird*name", true)]
    [InlineData("weird\\*name", "weirdXname", false)]
    [InlineData("é*", "é 日本.txt", true)]
    [InlineData("*", "anything/at/all", true)]
    public void IsExcluded_PatternAndPath_MatchesGlobRules(string pattern, string path, bool expected) =>
        new TarExcludeMatcher([pattern]).IsExcluded(path).Should().Be(expected);

    [Theory]
    [InlineData("./a/b/", "a/b")]
    [InlineData("./", ".")]
    [InlineData("/abs/path", "abs/path")]
    [InlineData("././x", "x")]
    [InlineData("plain", "plain")]
    [InlineData("a//b", "a/b")]
    [InlineData("a/./b", "a/b")]
    [InlineData("./a/.//./b/.", "a/b")]
    [InlineData("//a///b//", "a/b")]
    [InlineData("a/.", "a")]
    [InlineData("/./", ".")]
    [InlineData(".", ".")]
    [InlineData("", ".")]
    [InlineData("a/../b", "a/../b")]
    [InlineData("./../x", "../x")]
    [InlineData("a..b/.c/..d", "a..b/.c/..d")]
    public void NormalizePath_TarStyleNames_StripsDotSlashAndTrailingSlash(string name, string expected) =>
        TarExcludeMatcher.NormalizePath(name).Should().Be(expected);

    [Fact]
    public void IsExcluded_ArchiveRoot_NeverExcluded() =>
        new TarExcludeMatcher(["*"]).IsExcluded(".").Should().BeFalse();

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("./")]
    [InlineData("/")]
    public void Constructor_EmptyOrRootPattern_Throws(string pattern)
    {
        var act = () => new TarExcludeMatcher([pattern]);

        act.Should().Throw<ArgumentException>();
    }
}
