using System.Globalization;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Emit
{
    /// <summary>
    /// C# literals in the invariant culture with round-trip precision, so output never depends on
    /// the machine's locale and a constant survives emission bit for bit.
    /// </summary>
    public static class Literals
    {
        /// <summary>The literal of a constant; <paramref name="exact"/> is an integer constant's exact digits (<see cref="ConstValue.Digits"/>).</summary>
        public static string Format(double value, TypeRef type, string? exact = null)
        {
            switch (type.Kind)
            {
                case ValueKind.Double:
                    if (double.IsNaN(value)) return "double.NaN";
                    if (double.IsPositiveInfinity(value)) return "double.PositiveInfinity";
                    if (double.IsNegativeInfinity(value)) return "double.NegativeInfinity";
                    return WithPoint(value.ToString("R", CultureInfo.InvariantCulture));
                case ValueKind.Float:
                    float f = (float)value;
                    if (float.IsNaN(f)) return "float.NaN";
                    if (float.IsPositiveInfinity(f)) return "float.PositiveInfinity";
                    if (float.IsNegativeInfinity(f)) return "float.NegativeInfinity";
                    return f.ToString("R", CultureInfo.InvariantCulture) + "f";
                case ValueKind.FloatingParameter:
                    // T.Zero and T.One are exact in every T; any other constant converts the double the source or a rule
                    // gave, as the source's T.CreateChecked(0.5) does, so a float T rounds it as float code would.
                    long bits = System.BitConverter.DoubleToInt64Bits(value);
                    if (bits == 0) return type.Display + ".Zero";
                    if (value == 1) return type.Display + ".One";
                    // Every floating T (IFloatingPoint<T>) is a signed number with the constants; they are those of the source.
                    if (value == -1) return type.Display + ".NegativeOne";
                    if (value == System.Math.PI) return type.Display + ".Pi";
                    if (value == System.Math.E) return type.Display + ".E";
                    if (value == 2 * System.Math.PI) return type.Display + ".Tau";
                    return type.Display + ".CreateChecked(" + Format(value, TypeRef.Double) + ")";
                case ValueKind.Bool:
                    return value != 0 ? "true" : "false";
                case ValueKind.Integer:
                    string digits = exact ?? ((long)value).ToString(CultureInfo.InvariantCulture);
                    return type.Display switch
                    {
                        "int" => digits,
                        "long" => digits + "L",
                        "uint" => digits + "U",
                        "ulong" => digits + "UL",
                        "char" when ushort.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out ushort c) => Char((char)c),
                        _ => Cast(type, digits),
                    };
                default:
                    return Cast(type, exact ?? ((long)value).ToString(CultureInfo.InvariantCulture));
            }
        }

        /// <summary>A <c>char</c> literal: <c>'a'</c>, <c>'\''</c>, <c>'\u000a'</c>.</summary>
        public static string Char(char c) => "'" + Escape(c, '\'') + "'";

        /// <summary>A <c>string</c> literal, quoted and escaped.</summary>
        public static string String(string text)
        {
            var quoted = new System.Text.StringBuilder(text.Length + 2).Append('"');
            foreach (char c in text) quoted.Append(Escape(c, '"'));
            return quoted.Append('"').ToString();
        }

        /// <summary>Printable ASCII as itself (the quote and the backslash escaped), <c>\n \r \t \0</c>, anything else as <c>\uXXXX</c>.</summary>
        private static string Escape(char c, char quote) => c switch
        {
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\0' => "\\0",
            _ when c == quote || c == '\\' => "\\" + c,
            _ when c >= ' ' && c <= '~' => c.ToString(),
            _ => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
        };

        /// <summary><c>((short)5)</c>, <c>((global::Demo.E)(-1))</c>: a negative operand of a cast to a named type needs its own parentheses.</summary>
        private static string Cast(TypeRef type, string digits) =>
            "((" + type.Display + ")" + (digits.StartsWith("-", System.StringComparison.Ordinal) ? "(" + digits + ")" : digits) + ")";

        private static string WithPoint(string text) =>
            text.IndexOf('.') >= 0 || text.IndexOf('E') >= 0 ? text : text + ".0";
    }
}
