using System.Linq;
using AutoDiff.Generator.Ir;

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
        bool SecondOrder = false)
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
