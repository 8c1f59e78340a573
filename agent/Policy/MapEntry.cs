using YamlDotNet.RepresentationModel;

namespace VolumeAgent.Policy;

internal sealed record MapEntry(string Key, YamlScalarNode KeyNode, YamlNode Value);
