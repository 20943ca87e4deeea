using System.Globalization;
using System.Linq;
using System.Text;

namespace AutoDiff.Generator.Ir
{
    /// <summary>
    /// Text form of the IR, for transform snapshots and debugging:
    /// <c>%3 = mul double %1, %2 ; t</c>; regions are indented under their if or loop.
    /// </summary>
    public static class IrPrinter
    {
        public static string Print(IrFunction function)
        {
            var text = new StringBuilder();
            text.Append("func ").Append(function.Name).Append('(');
            text.Append(string.Join(", ", function.Params.Select(p => "%" + Id(p.Id) + " " + p.Name + ": " + p.Type.Display)));
            text.Append(")\n");
            Block(text, function.Body, 1);
            text.Append("  return");
            if (function.Results.Count > 0) text.Append(' ').Append(string.Join(", ", function.Results.Select(r => r.Name + " = %" + Id(r.Value))));
            text.Append('\n');
            return text.ToString();
        }

        private static void Block(StringBuilder text, EquatableArray<Instr> body, int depth)
        {
            string indent = new string(' ', depth * 2);
            foreach (var instr in body)
            {
                text.Append(indent);
                if (instr.HasRegions || instr.Results.Count > 0)
                {
                    // An if, a loop or a call with several results: its own id follows the op (@id), as it has no value.
                    if (instr.Results.Count > 0)
                    {
                        text.Append(string.Join(", ", instr.Results.Select(r => "%" + Id(r.Id) + (r.Name.Length > 0 ? " " + r.Name : "") + ": " + r.Type.Display))).Append(" = ");
                    }
                    text.Append(instr.Op.ToString().ToLowerInvariant()).Append(" @").Append(Id(instr.Id));
                    Payload(text, instr);
                    if (instr.Args.Count > 0) text.Append(' ').Append(string.Join(", ", instr.Args.Select(a => "%" + Id(a))));
                    if (instr.Name != null) text.Append("  ; ").Append(instr.Name);
                    text.Append('\n');
                    for (int r = 0; r < instr.Regions.Count; r++)
                    {
                        var region = instr.Regions[r];
                        text.Append(indent).Append(RegionName(instr.Op, r));
                        if (region.Params.Count > 0) text.Append('(').Append(string.Join(", ", region.Params.Select(p => "%" + Id(p.Id) + " " + p.Name + ": " + p.Type.Display))).Append(')');
                        text.Append(":\n");
                        Block(text, region.Body, depth + 1);
                        text.Append(indent).Append("  yield");
                        if (region.Yields.Count > 0) text.Append(' ').Append(string.Join(", ", region.Yields.Select(y => "%" + Id(y))));
                        text.Append('\n');
                    }
                    continue;
                }
                text.Append('%').Append(Id(instr.Id)).Append(" = ").Append(Describe(instr));
                if (instr.Name != null) text.Append("  ; ").Append(instr.Name);
                text.Append('\n');
            }
        }

        private static string RegionName(Op op, int index) =>
            op == Op.If ? (index == 0 ? "then" : "else") : (index == 0 ? "condition" : "body");

        private static string Id(int id) => id.ToString(CultureInfo.InvariantCulture);

        private static string Describe(Instr instr)
        {
            string op = instr.Op switch
            {
                Op.Intrinsic => instr.Fn.ToString().ToLowerInvariant(),
                _ => instr.Op.ToString().ToLowerInvariant(),
            };
            var text = new StringBuilder(op).Append(' ').Append(instr.Type.Display);
            if (instr.Op == Op.Const) text.Append(' ').Append(instr.Text ?? instr.Number.ToString("R", CultureInfo.InvariantCulture));
            else Payload(text, instr);
            if (instr.Args.Count > 0) text.Append(' ').Append(string.Join(", ", instr.Args.Select(a => "%" + Id(a))));
            return text.ToString();
        }

        /// <summary>
        /// The text (a word as it is, anything else as a quoted C# string) and a non-zero number (<c>#n</c>) of an
        /// instruction other than a constant; <see cref="IrParser"/> reads them back.
        /// </summary>
        private static void Payload(StringBuilder text, Instr instr)
        {
            if (instr.Text != null) text.Append(' ').Append(IsWord(instr.Text) ? instr.Text : Quote(instr.Text));
            if (System.BitConverter.DoubleToInt64Bits(instr.Number) != 0) text.Append(" #").Append(instr.Number.ToString("R", CultureInfo.InvariantCulture));
        }

        private static bool IsWord(string text) =>
            text.Length > 0 && text[0] != '%' && text[0] != '#' && text[0] != '@' && text[0] != '"' && !text.Any(c => char.IsWhiteSpace(c) || c == '"' || c == '\\' || c == ',');

        private static string Quote(string text) =>
            "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\r", "\\r").Replace("\t", "\\t") + "\"";
    }
}
