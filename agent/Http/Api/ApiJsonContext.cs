using System.Text.Json.Serialization;

namespace VolumeAgent.Http.Api;

/// <summary>The body of <c>POST /api/v1/jobs/{job}/runs</c>; optional.</summary>
internal sealed record RunRequestBody
{
    public string? Tag { get; init; }
}

/// <summary>Every error the API answers: <c>{"error": "…"}</c>, in words that say what to do.</summary>
internal sealed record ApiError(string Error);

/// <summary>The API's own JSON (status and sets reuse <c>status --json</c>'s and <c>list --json</c>'s contexts).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(RunRequestBody))]
[JsonSerializable(typeof(RunView))]
[JsonSerializable(typeof(ApiError))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
