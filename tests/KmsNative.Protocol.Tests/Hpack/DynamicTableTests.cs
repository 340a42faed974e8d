using System.Text;
using KmsNative.Protocol.Hpack;

namespace KmsNative.Protocol.Tests.Hpack;

public class DynamicTableTests
{
    [Fact]
    public void Insert_FieldFits_IsIndexOneAndCountsOverhead()
    {
        var table = new DynamicTable(4096);
        table.Insert("custom-key"u8, "custom-header"u8);
        HpackAssert.Table(table, 55, ("custom-key", "custom-header")); // RFC 7541 C.2.1: 10 + 13 + 32
    }

    [Fact]
    public void Insert_Full_EvictsOldestFirst()
    {
        var table = new DynamicTable(100);
        table.Insert("a"u8, "1"u8); // 34
        table.Insert("b"u8, "2"u8); // 34, total 68
        table.Insert("c"u8, "3"u8); // 34 would make 102 > 100: "a" goes
        HpackAssert.Table(table, 68, ("c", "3"), ("b", "2"));
    }

    [Fact]
    public void Insert_LargerThanMaxSize_EmptiesTable()
    {
        var table = new DynamicTable(64);
        table.Insert("a"u8, "1"u8);
        table.Insert("name"u8, new byte[29]); // 4 + 29 + 32 = 65 > 64 (RFC 7541 §4.4)
        HpackAssert.Table(table, 0);
    }

    [Fact]
    public void Insert_ExactlyMaxSize_Fits()
    {
        var table = new DynamicTable(64);
        table.Insert("name"u8, new byte[28]); // 4 + 28 + 32 = 64
        Assert.Equal(1, table.Count);
        Assert.Equal(64, table.Size);
    }

    [Fact]
    public void SetMaxSize_Smaller_EvictsUntilItFits()
    {
        var table = new DynamicTable(200);
        table.Insert("a"u8, "1"u8);
        table.Insert("b"u8, "2"u8);
        table.Insert("c"u8, "3"u8);
        table.SetMaxSize(70);
        HpackAssert.Table(table, 68, ("c", "3"), ("b", "2"));
        table.SetMaxSize(0);
        HpackAssert.Table(table, 0);
        table.Insert("d"u8, "4"u8); // RFC 7541 §4.4: nothing fits in a zero-size table
        HpackAssert.Table(table, 0);
    }

    [Fact]
    public void SetMaxSize_AboveCapacity_Throws()
    {
        var table = new DynamicTable(100);
        Assert.Throws<ArgumentOutOfRangeException>(() => table.SetMaxSize(101));
    }

    [Fact]
    public void EnsureCapacity_KeepsEntriesInOrder()
    {
        var table = new DynamicTable(100);
        table.Insert("a"u8, "1"u8);
        table.Insert("b"u8, "2"u8);
        table.EnsureCapacity(1000);
        table.SetMaxSize(1000);
        table.Insert("c"u8, "3"u8);
        HpackAssert.Table(table, 102, ("c", "3"), ("b", "2"), ("a", "1"));
    }

    [Fact]
    public void Insert_ManyRandomFields_MatchesSimpleModel()
    {
        // The ring and the byte compaction checked against a list that follows RFC 7541 §4.4 literally.
        var random = new Random(4096);
        var table = new DynamicTable(512);
        var model = new List<(string Name, string Value)>(); // newest first
        for (int i = 0; i < 5000; i++)
        {
            if (random.Next(50) == 0)
            {
                int maxSize = random.Next(0, 513);
                table.SetMaxSize(maxSize);
                Trim(model, maxSize);
                continue;
            }

            string name = RandomText(random, random.Next(0, 40));
            string value = RandomText(random, random.Next(0, random.Next(10) == 0 ? 600 : 120));
            table.Insert(Encoding.ASCII.GetBytes(name), Encoding.ASCII.GetBytes(value));
            if (name.Length + value.Length + 32 > table.MaxSize)
            {
                model.Clear();
            }
            else
            {
                Trim(model, table.MaxSize - (name.Length + value.Length + 32));
                model.Insert(0, (name, value));
            }

            HpackAssert.Table(table, model.Sum(e => e.Name.Length + e.Value.Length + 32), [.. model]);
        }

        static void Trim(List<(string Name, string Value)> model, int targetSize)
        {
            while (model.Sum(e => e.Name.Length + e.Value.Length + 32) > targetSize)
            {
                model.RemoveAt(model.Count - 1);
            }
        }
    }

    [Fact]
    public void GetName_OutOfRange_Throws()
    {
        var table = new DynamicTable(100);
        table.Insert("a"u8, "1"u8);
        Assert.Throws<ArgumentOutOfRangeException>(() => table.GetName(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => table.GetValue(2));
    }

    private static string RandomText(Random random, int length)
    {
        var chars = new char[length];
        for (int i = 0; i < length; i++)
        {
            chars[i] = (char)random.Next('a', 'z' + 1);
        }

        return new string(chars);
    }
}
