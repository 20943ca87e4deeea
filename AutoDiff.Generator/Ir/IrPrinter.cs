using System.Globalization;
using System.Linq;
using System.Text;

namespace AutoDiff.Generator.Ir
{
    /// <summary>
    /// Text form of the IR, for transform snapshots and debugging:
    /// <c>%3 = mul double %1, %2 ; t</c>.
    /// </summary>
    public static class IrPrinter
    {
        public static string Print(IrFunction function)
        {
            var text = new StringBuilder();
            text.Append("func ").Append(function.Name).Append('(');
            text.Append(string.Join(", ", function.Params.Select(p => "%" + Id(p.Id) + " " + p.Name + ": " + p.Type.Display)));
            text.Append(")\n");
            foreach (var instr in function.Body)
            {
                text.Append("  %").Append(Id(instr.Id)).Append(" = ").Append(Describe(instr));
                if (instr.Name != null) text.Append("  ; ").Append(instr.Name);
                text.Append('\n');
            }
            text.Append("  return ");
            text.Append(string.Join(", ", function.Results.Select(r => r.Name + " = %" + Id(r.Value))));
            text.Append('\n');
            return text.ToString();
        }

        private static string Id(int id) => id.ToString(CultureInfo.InvariantCulture);

        private static string Describe(Instr instr)
        {
            string op = instr.Op switch
            {
                Op.Intrinsic => instr.Fn.ToString().ToLowerInvariant(),
                _ => instr.Op.ToString().ToLowerInvariant(),
            };
            var text = new StringBuilder(op).Append(' ').Append(instr.Type.Display);
            if (instr.Op == Op.Const) text.Append(' ').Append(instr.Number.ToString("R", CultureInfo.InvariantCulture));
            if (instr.Text != null) text.Append(' ').Append(instr.Text);
            if (instr.Args.Count > 0) text.Append(' ').Append(string.Join(", ", instr.Args.Select(a => "%" + Id(a))));
            return text.ToString();
        }
    }
}
