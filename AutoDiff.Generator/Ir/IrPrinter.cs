using System.Globalization;
using System.Linq;
using System.Text;

namespace AutoDiff.Generator.Ir
{
    /// <summary>
    /// Text form of the IR, for transform snapshots, stage tests and debugging. The format, line by line:
    /// <code>
    /// func NAME(%ID NAME: TYPE, ...)
    ///   %ID = OP TYPE %ARG, ... {PAYLOAD}  ; NAME
    ///   %ID NAME: TYPE, ... = OP @ID %ARG, ... {PAYLOAD}  ; NAME
    ///   then|else|condition|body(%ID NAME: TYPE, ...):
    ///     ...
    ///     yield %ID, ...
    ///   return NAME = %ID, ...
    /// </code>
    /// <list type="bullet">
    /// <item>An instruction with a value of its own: its id, <c>=</c>, the op's mnemonic (<see cref="OpRow.Mnemonic"/>, the
    /// <see cref="Op"/> name in lower case), its type as C# spells it (<c>void</c> when it defines nothing), then its operands;
    /// each part after the type is left out when empty.</item>
    /// <item>An if, a loop, or a call with several results (<see cref="Instr.Results"/>): the results (id, an optional name,
    /// type), <c>=</c>, the mnemonic and the instruction's own id as <c>@ID</c>, then its operands. An if or a loop then has one
    /// line per region (<c>then</c>/<c>else</c>, <c>condition</c>/<c>body</c>), with the region's parameters in parentheses,
    /// its instructions indented one step further, and a <c>yield</c> line.</item>
    /// <item><c>{PAYLOAD}</c> is the instruction's typed <see cref="Payload"/>, present exactly when the op's row has a payload
    /// type: <c>{field: value, ...}</c> with every field written, in a fixed order per payload type. Values are a quoted C#
    /// string (<c>"global::Demo.F"</c>; <c>\\</c>, <c>\"</c>, <c>\n</c>, <c>\r</c>, <c>\t</c> escaped), an active set
    /// <c>[0, 2]</c> (or <c>none</c>), <c>true</c>/<c>false</c>, an enum member name, or a number: a constant's value is
    /// its exact integer digits for an integer or enum type, else the double's round-trip form (<c>-0</c>, <c>NaN</c>,
    /// <c>Infinity</c>, <c>1E-300</c>). The payloads: <c>const {value}</c>; <c>intrinsic {fn}</c>; calls
    /// <c>{callee, active, effect}</c>; <c>callwithrule {target, rule, active, ruleActive, vjp, jvp, outputs}</c>; <c>push</c>/<c>pop
    /// {tape, entry, pair, reserved}</c>; <c>reserve {tape, perTrip, added, offset}</c>; <c>newbuffer {kind}</c>; <c>loadstatic</c>/<c>loadmember {name, effect}</c>; <c>table {elements}</c>.</item>
    /// <item>A type's spelling has no <c>%</c>, <c>@</c> or <c>{</c>, so it ends where the operands, the own id or the payload
    /// begin (a tuple type has spaces). <c>  ; NAME</c> ends a line with the source variable the value came from.</item>
    /// </list>
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
                    if (instr.Results.Count > 0)
                    {
                        text.Append(string.Join(", ", instr.Results.Select(r => "%" + Id(r.Id) + (r.Name.Length > 0 ? " " + r.Name : "") + ": " + r.Type.Display))).Append(" = ");
                    }
                    text.Append(OpInfo.Row(instr.Op).Mnemonic).Append(" @").Append(Id(instr.Id));
                    Operands(text, instr);
                    Line(text, instr);
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
                text.Append('%').Append(Id(instr.Id)).Append(" = ").Append(OpInfo.Row(instr.Op).Mnemonic).Append(' ').Append(instr.Type.Display);
                Operands(text, instr);
                Line(text, instr);
            }
        }

        /// <summary>The operands and the payload.</summary>
        private static void Operands(StringBuilder text, Instr instr)
        {
            if (instr.Args.Count > 0) text.Append(' ').Append(string.Join(", ", instr.Args.Select(a => "%" + Id(a))));
            if (instr.Payload != null) text.Append(' ').Append(instr.Payload);
        }

        /// <summary>The source name, and the end of the line.</summary>
        private static void Line(StringBuilder text, Instr instr)
        {
            if (instr.Name != null) text.Append("  ; ").Append(instr.Name);
            text.Append('\n');
        }

        public static string RegionName(Op op, int index) =>
            op == Op.If ? (index == 0 ? "then" : "else") : (index == 0 ? "condition" : "body");

        private static string Id(int id) => id.ToString(CultureInfo.InvariantCulture);
    }
}
