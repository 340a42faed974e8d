namespace KmsNative.Protocol.Hpack;

/// <summary>Where one dynamic table field's bytes sit in <see cref="DynamicTable"/>'s buffer: name, then value.</summary>
internal readonly record struct DynamicTableEntry(int Offset, int NameLength, int ValueLength);
