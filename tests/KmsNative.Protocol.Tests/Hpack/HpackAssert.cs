using System.Text;
using KmsNative.Protocol.Hpack;

namespace KmsNative.Protocol.Tests.Hpack;

internal static class HpackAssert
{
    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static List<(string Name, string Value)> Decode(HpackDecoder decoder, byte[] block)
    {
        var handler = new RecordingHandler();
        Assert.True(decoder.Decode(block, handler));
        return handler.Fields;
    }

    /// <summary>Checks the table's size and its entries, newest (dynamic index 1) first.</summary>
    public static void Table(DynamicTable table, int expectedSize, params (string Name, string Value)[] expectedEntries)
    {
        var actual = new List<(string, string)>();
        for (int index = 1; index <= table.Count; index++)
        {
            actual.Add((Encoding.Latin1.GetString(table.GetName(index)), Encoding.Latin1.GetString(table.GetValue(index))));
        }

        Assert.Equal(expectedEntries, actual);
        Assert.Equal(expectedSize, table.Size);
    }
}
