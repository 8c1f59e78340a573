using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3.Model;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;

namespace VolumeAgent.Storage.S3;

/// <summary>
/// Backup sets in a bucket: <c>&lt;prefix&gt;&lt;job&gt;/&lt;set&gt;/&lt;name&gt;</c>. Artifacts are streamed as
/// multipart uploads (<see cref="S3Upload"/>), small objects put whole; S3 makes each visible only when complete, so
/// the set format (SHA256SUMS, then manifest.json last) means the same here as on disk.
/// </summary>
internal sealed class S3ObjectStore : IObjectStore, IDisposable
{
    private readonly S3Connection _s3;
    private readonly S3Markers _markers;

    public S3ObjectStore(S3StorageOptions options, TimeProvider? time = null)
    {
        _s3 = new S3Connection(options, time ?? TimeProvider.System);
        _markers = new S3Markers(_s3);
    }

    public string Location => _s3.Location;

    public string Describe(SetAddress set) => $"s3://{_s3.Bucket}/{SetPrefix(set)}";

    public async Task CheckWritableAsync(CancellationToken cancellationToken)
    {
        var probe = _s3.Key(BackupSetLayout.PartialNameFor($"write-probe-{RunId.New()}"));
        var bytes = "probe"u8.ToArray();
        await _s3.CallAsync("writing a probe object", ct => _s3.Client.PutObjectAsync(S3Requests.Put(_s3.Bucket, probe, bytes, bytes.Length), ct), cancellationToken);
        await _s3.CallAsync("removing the probe object", ct => _s3.Client.DeleteObjectAsync(_s3.Bucket, probe, ct), cancellationToken);
    }

    public async Task CreateSetAsync(SetAddress set, CancellationToken cancellationToken)
    {
        // No folders in S3: the set exists once its first object does. Only refuse a name already taken.
        var prefix = SetPrefix(set);
        var listed = await _s3.CallAsync(
            $"checking that {prefix} is new",
            ct => _s3.Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _s3.Bucket, Prefix = prefix, MaxKeys = 1 }, ct),
            cancellationToken);
        if (listed.S3Objects is { Count: > 0 })
        {
            throw new IOException(
                $"Backup set '{Describe(set)}' already exists. Run ids are random, so this means the same run id was used twice; start the run with a new run id.");
        }
    }

    public Task<IObjectUpload> StartUploadAsync(SetAddress set, string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var prefix = SetPrefix(set);
        return Task.FromResult<IObjectUpload>(new S3Upload(_s3, _markers, prefix + name, prefix + BackupSetLayout.PartialNameFor(name)));
    }

    public Task PutAsync(SetAddress set, string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var key = SetPrefix(set) + name;
        var bytes = content.ToArray();
        return _s3.CallAsync($"uploading '{key}'", ct => _s3.Client.PutObjectAsync(S3Requests.Put(_s3.Bucket, key, bytes, bytes.Length), ct), cancellationToken);
    }

    public async Task<Stream> OpenReadAsync(SetAddress set, string name, CancellationToken cancellationToken)
    {
        var key = SetPrefix(set) + name;
        try
        {
            var response = await _s3.CallAsync(
                $"reading '{key}'",
                ct => _s3.Client.GetObjectAsync(new GetObjectRequest { BucketName = _s3.Bucket, Key = key }, ct),
                cancellationToken);
            return new S3ReadStream(response);
        }
        catch (StorageException ex) when (ex.InnerException is AmazonServiceException service && S3Errors.IsNotFound(service))
        {
            throw new FileNotFoundException($"Backup set {set.Job}/{set.Name} has no file '{name}' (looked for '{Describe(set)}{name}').", key, ex);
        }
    }

    /// <summary>
    /// One small listing per job: the first key after the previous job's keys names the next job. A delimiter listing
    /// would do it in one, but some S3-compatible servers (s3rver) leave out folders whose objects lie two levels deeper.
    /// </summary>
    public async IAsyncEnumerable<string> ListJobsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var prefix = _s3.Key(string.Empty);
        string? after = null;
        while (true)
        {
            var request = new ListObjectsV2Request { BucketName = _s3.Bucket, Prefix = prefix, StartAfter = after, MaxKeys = 1 };
            var page = await _s3.CallAsync($"listing '{prefix}'", ct => _s3.Client.ListObjectsV2Async(request, ct), cancellationToken);
            if (page.S3Objects is not [var first, ..])
            {
                yield break;
            }

            var rest = first.Key[prefix.Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0)
            {
                after = first.Key;
                continue;
            }

            yield return rest[..slash];

            // '0' follows '/': every key of this job sorts before "<job>0".
            after = prefix + rest[..slash] + "0";
        }
    }

    public IAsyncEnumerable<string> ListSetsAsync(string job, CancellationToken cancellationToken) =>
        ListFoldersAsync(_s3.Key(job) + "/", cancellationToken);

    public async Task<IReadOnlyList<StoredObject>> ListObjectsAsync(SetAddress set, CancellationToken cancellationToken)
    {
        var prefix = SetPrefix(set);
        var objects = new List<StoredObject>();
        await foreach (var page in PagesAsync(prefix, delimiter: null, cancellationToken))
        {
            foreach (var item in page.S3Objects ?? [])
            {
                var name = item.Key[prefix.Length..];
                if (name.Length > 0 && !name.Contains('/', StringComparison.Ordinal))
                {
                    objects.Add(new StoredObject(name, item.Size ?? 0));
                }
            }
        }

        return objects;
    }

    public async Task DeleteAsync(SetAddress set, string name, CancellationToken cancellationToken)
    {
        var key = SetPrefix(set) + name;
        if (BackupSetLayout.IsPartialName(name) && await _markers.ReadAsync(key, cancellationToken) is { } marker)
        {
            // A marker of an upload a run left open: abort the upload, so its parts are not kept (and billed).
            await _markers.AbortAsync(key, marker, cancellationToken);
            return;
        }

        await _s3.CallAsync($"deleting '{key}'", ct => _s3.Client.DeleteObjectAsync(_s3.Bucket, key, ct), cancellationToken);
    }

    public async Task DeleteSetAsync(SetAddress set, CancellationToken cancellationToken)
    {
        foreach (var stored in await ListObjectsAsync(set, cancellationToken))
        {
            await DeleteAsync(set, stored.Name, cancellationToken);
        }
    }

    public void Dispose() => _s3.Dispose();

    private async IAsyncEnumerable<string> ListFoldersAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var page in PagesAsync(prefix, "/", cancellationToken))
        {
            foreach (var folder in page.CommonPrefixes ?? [])
            {
                var name = folder[prefix.Length..].TrimEnd('/');
                if (name.Length > 0)
                {
                    yield return name;
                }
            }
        }
    }

    private async IAsyncEnumerable<ListObjectsV2Response> PagesAsync(string prefix, string? delimiter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? token = null;
        do
        {
            var request = new ListObjectsV2Request { BucketName = _s3.Bucket, Prefix = prefix, Delimiter = delimiter, ContinuationToken = token };
            var page = await _s3.CallAsync($"listing '{prefix}'", ct => _s3.Client.ListObjectsV2Async(request, ct), cancellationToken);
            yield return page;
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
    }

    /// <summary>An object <c>&lt;prefix&gt;&lt;job&gt;/latest</c> holding the set's name and a newline (a PUT replaces it whole).</summary>
    public Task PointLatestAsync(string job, string? setName, CancellationToken cancellationToken)
    {
        BackupSetLayout.ThrowIfInvalidJobName(job);
        var key = _s3.Key(job, BackupSetLayout.LatestName);
        if (setName is null)
        {
            return _s3.CallAsync($"deleting '{key}'", ct => _s3.Client.DeleteObjectAsync(_s3.Bucket, key, ct), cancellationToken);
        }

        var bytes = System.Text.Encoding.UTF8.GetBytes(setName + "\n");
        return _s3.CallAsync($"uploading '{key}'", ct => _s3.Client.PutObjectAsync(S3Requests.Put(_s3.Bucket, key, bytes, bytes.Length), ct), cancellationToken);
    }

    private string SetPrefix(SetAddress set)
    {
        // Names come from a listing or a plain record: never let them point outside the prefix.
        BackupSetLayout.ThrowIfInvalidJobName(set.Job);
        if (!BackupSetLayout.TryParseSetName(set.Name, out _, out _))
        {
            throw new ArgumentException($"'{set.Name}' is not a backup set name (yyyyMMddTHHmmssZ-<run id>).", nameof(set));
        }

        return _s3.Key(set.Job, set.Name) + "/";
    }
}
