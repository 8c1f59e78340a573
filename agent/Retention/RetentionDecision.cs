namespace VolumeAgent.Retention;

/// <summary>Whether one set stays, and every reason that decided it.</summary>
internal sealed record RetentionDecision(RetentionCandidate Set, bool Keep, IReadOnlyList<string> Reasons);
