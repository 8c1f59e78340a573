using VolumeAgent.IntegrationTests.Fixtures;

namespace VolumeAgent.IntegrationTests.S3;

/// <summary>The backup.yml of an S3 test: one s3 storage named <see cref="StorageName"/> at the fixture's proxy, keys in files.</summary>
internal static class S3Workspace
{
    public const string StorageName = "offsite";

    /// <summary>Writes backup.yml with the s3 storage (the test's own prefix) and <paramref name="jobs"/>; returns the prefix.</summary>
    public static string Configure(
        AgentWorkspace workspace, S3ServerFixture s3, string jobs, string? bucket = null, string? secret = null, bool keysFromEnvironment = false, string? access = null)
    {
        var (entry, prefix) = Storage(workspace, s3, StorageName, bucket, secret, keysFromEnvironment, access);
        workspace.WriteWholeConfig($"""
            helper_image: {TestImages.Helper}
            state_dir: {workspace.StateDir}
            storage:
            {entry}

            """ + jobs);
        return prefix;
    }

    /// <summary>
    /// The s3 storage <paramref name="name"/> as a line of backup.yml's <c>storage:</c> map (indented by two), at the
    /// fixture's proxy with the test's own prefix; its keys in files of the workspace (or in the standard AWS variables).
    /// </summary>
    public static (string Entry, string Prefix) Storage(
        AgentWorkspace workspace, S3ServerFixture s3, string name, string? bucket = null, string? secret = null, bool keysFromEnvironment = false, string? access = null)
    {
        var prefix = "t-" + Path.GetFileName(workspace.Root) + "/";
        string keys;
        if (keysFromEnvironment)
        {
            workspace.Variables["AWS_ACCESS_KEY_ID"] = S3ServerFixture.Key;
            workspace.Variables["AWS_SECRET_ACCESS_KEY"] = secret ?? S3ServerFixture.Key;
            keys = string.Empty;
        }
        else
        {
            var accessFile = Path.Combine(workspace.Root, "s3-access-key");
            var secretFile = Path.Combine(workspace.Root, "s3-secret-key");
            File.WriteAllText(accessFile, (access ?? S3ServerFixture.Key) + "\n");
            File.WriteAllText(secretFile, (secret ?? S3ServerFixture.Key) + "\n");
            keys = $", access_key_file: {accessFile}, secret_key_file: {secretFile}";
        }

        var entry = $"  {name}: {"{"} type: s3, endpoint: \"{s3.Endpoint}\", bucket: {bucket ?? S3ServerFixture.Bucket}, prefix: \"{prefix}\", path_style: true, part_size: 8{keys} {"}"}";
        return (entry, prefix);
    }
}
