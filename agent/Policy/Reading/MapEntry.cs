using YamlDotNet.RepresentationModel;

namespace VolumeAgent.Policy.Reading;

internal sealed record MapEntry(string Key, YamlScalarNode KeyNode, YamlNode Value);
