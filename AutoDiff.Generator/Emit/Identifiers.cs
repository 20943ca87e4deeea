using System.Collections.Generic;

namespace AutoDiff.Generator.Emit
{
    /// <summary>C# keywords, so names taken from source (<c>@in</c>) or made up stay valid identifiers.</summary>
    public static class Identifiers
    {
        public static readonly HashSet<string> Keywords = new HashSet<string>
        {
            "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const", "continue",
            "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern", "false", "finally",
            "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface", "internal", "is", "lock",
            "long", "namespace", "new", "null", "object", "operator", "out", "override", "params", "private", "protected",
            "public", "readonly", "ref", "return", "sbyte", "sealed", "short", "sizeof", "stackalloc", "static", "string",
            "struct", "switch", "this", "throw", "true", "try", "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort",
            "using", "virtual", "void", "volatile", "while",
        };

        /// <summary>The name as an identifier: <c>@in</c> for <c>in</c>.</summary>
        public static string Escape(string name) => Keywords.Contains(name) ? "@" + name : name;
    }
}
