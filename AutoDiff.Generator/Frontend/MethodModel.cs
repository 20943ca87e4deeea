using System.Linq;
using AutoDiff.Generator.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace AutoDiff.Generator.Frontend
{
    /// <summary>
    /// Everything the generator needs about one [Differentiable] method, with no compiler objects:
    /// this record is the incremental cache key, so it must stay immutable and structurally equatable.
    /// </summary>
    public sealed record MethodModel(
        string HintName,
        string? Namespace,
        EquatableArray<ContainingType> ContainingTypes,
        string Accessibility,
        bool IsStatic,
        string Name,
        TypeRef ReturnType,
        EquatableArray<ParameterModel> Parameters,
        IrFunction? Primal,
        string? InternalError = null,
        bool SecondOrder = false,
        LocationInfo? Location = null,
        string Identity = "")
    {
        /// <summary>A vector-valued method: returns void and writes output spans.</summary>
        public bool IsVectorValued => Parameters.Any(p => p.IsOutput);

        /// <summary>Whether code is generated: the frontend found no error.</summary>
        public bool CanGenerate => Primal != null && InternalError == null;
    }

    /// <summary>An enclosing type, outermost first: the declaration keywords and the name with type parameters.</summary>
    public sealed record ContainingType(string Keywords, string Name);

    /// <summary>
    /// A parameter: <see cref="IsActive"/> for a differentiated input, <see cref="IsOutput"/> for a
    /// <c>Span&lt;double&gt;</c> (or float) that a vector-valued method writes its results into.
    /// </summary>
    public sealed record ParameterModel(string Name, TypeRef Type, bool IsActive, bool IsOutput = false);
}

namespace AutoDiff.Generator.Frontend
{
    /// <summary>
    /// A source location as plain data, so the model can carry where the method is (for a diagnostic the
    /// generator reports) without holding a syntax tree.
    /// </summary>
    public sealed record LocationInfo(string FilePath, int Start, int Length, int StartLine, int StartCharacter, int EndLine, int EndCharacter)
    {
        public static LocationInfo? From(Location location)
        {
            if (!location.IsInSource) return null;
            var lines = location.GetLineSpan();
            return new LocationInfo(lines.Path ?? "", location.SourceSpan.Start, location.SourceSpan.Length,
                lines.StartLinePosition.Line, lines.StartLinePosition.Character, lines.EndLinePosition.Line, lines.EndLinePosition.Character);
        }

        public Location ToLocation() => Location.Create(FilePath, new TextSpan(Start, Length),
            new LinePositionSpan(new LinePosition(StartLine, StartCharacter), new LinePosition(EndLine, EndCharacter)));
    }
}
