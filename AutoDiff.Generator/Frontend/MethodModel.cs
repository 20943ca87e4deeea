using System.Linq;
using AutoDiff.Generator.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
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
        string Identity = "",
        StructReturn? Returns = null)
    {
        /// <summary>A method returning a struct or tuple: vector-valued, its results the struct's leaves.</summary>
        public bool ReturnsStruct => Returns != null;

        /// <summary>The method's type parameter list (<c>&lt;T&gt;</c>, generic math), which its companions repeat; empty for none.</summary>
        public string TypeParameters { get; init; } = "";

        /// <summary>The method's <c>where</c> clauses, each with a leading space, which its companions repeat; empty for none.</summary>
        public string Constraints { get; init; } = "";

        /// <summary>
        /// For a [Differentiable] Vjp-shaped [DerivativeOf] rule, the index of its seed parameter (its only companion is
        /// <c>Tangent</c>, for callers' H·v); -1 for any other method.
        /// </summary>
        public int PullbackSeed { get; init; } = -1;

        /// <summary>
        /// A struct's instance method with no active input but <c>this</c> (<c>v.Length()</c>): differentiated in place of
        /// each call from another [Differentiable] method, with no companions of its own.
        /// </summary>
        public bool InPlaceOnly { get; init; }

        /// <summary>The snapshots of the outermost loop the reverse sweep keeps (<c>Checkpoints</c>; 0: none, every iteration recorded).</summary>
        public int Checkpoints { get; init; }

        /// <summary>Whether <see cref="Checkpoints"/> follow the binomial (Revolve) schedule rather than every k iterations.</summary>
        public bool CheckpointBinomial { get; init; }

        /// <summary>A vector-valued method: returns void and writes output spans.</summary>
        public bool IsVectorValued => Parameters.Any(p => p.IsOutput);

        /// <summary>Whether code is generated: the frontend found no error.</summary>
        public bool CanGenerate => Primal != null && InternalError == null;
    }

    /// <summary>An enclosing type, outermost first: the declaration keywords and the name with type parameters.</summary>
    public sealed record ContainingType(string Keywords, string Name);

    /// <summary>
    /// A parameter: <see cref="IsActive"/> for a differentiated input, <see cref="IsOutput"/> for a
    /// <c>Span&lt;double&gt;</c> (or float) that a vector-valued method writes its results into. <see cref="IsIn"/>: an <c>in</c> or
    /// <c>ref readonly</c> parameter, an input like one passed by value, which the companions take as <c>in</c>.
    /// </summary>
    /// <remarks>
    /// A struct (or tuple) parameter is scalarized (<see cref="StructLayout"/>): it is one ParameterModel per leaf, each with
    /// its <see cref="Part"/>, in the IR's parameter order; the emitter groups them back into the one C# parameter.
    /// </remarks>
    public sealed record ParameterModel(string Name, TypeRef Type, bool IsActive, bool IsOutput = false, bool IsIn = false, StructPart? Part = null, StructArray? Array = null)
    {
        /// <summary>A <c>ref</c> scalar adjoint of a [Differentiable] Vjp rule (<see cref="MethodModel.PullbackSeed"/>): read, added into, and its final value a result.</summary>
        public bool IsRef { get; init; }
    }

    /// <summary>
    /// An array or span of structs (<c>Particle[]</c>, <c>ReadOnlySpan&lt;Vector3&gt;</c>, <c>Span&lt;P&gt;</c>): to the IR a span of
    /// its numbers (<see cref="ParameterModel.Type"/>, <see cref="Stride"/> per element, in field order), which generated code
    /// views in place (<c>MemoryMarshal.Cast&lt;P, double&gt;</c>); <see cref="Type"/> is the C# parameter type, <see cref="Element"/> the struct.
    /// </summary>
    public sealed record StructArray(string Type, string Element, int Stride);

    /// <summary>
    /// A leaf of a struct parameter: the C# parameter it belongs to (<see cref="Owner"/>, of type <see cref="OwnerType"/>), the
    /// path that reads it (<c>.Pos.X</c>), its index among the owner's <see cref="Count"/> leaves, how generated code
    /// builds an owner value from its leaves (<see cref="Build"/>, <c>{0}</c>… in leaf order), whether a leaf can be
    /// written in place (<see cref="Assignable"/>), and <see cref="Hidden"/> for the leaves of <c>this</c> in a struct's own
    /// method (not a C# parameter: read as <c>this.X</c>, inactive, there for callers that copy the method in place).
    /// </summary>
    public sealed record StructPart(string Owner, string OwnerType, string Path, int Leaf, int Count, string Build, bool Assignable, bool Hidden = false)
    {
        public bool IsFirst => Leaf == 0;

        /// <summary>The leaf as an expression on a value named <paramref name="owner"/>: <c>pAdj.X</c>.</summary>
        public string On(string owner) => owner + Path;
    }
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

namespace AutoDiff.Generator.Frontend
{
    /// <summary>
    /// Where a [Differentiable] method is declared, as plain data: what the generator's first step keeps of it, so the
    /// step caches by value. <see cref="Find"/> gets the method back in a compilation.
    /// </summary>
    public sealed record MethodSite(string Name, string Identity, string FilePath, int Start, int Length, LocationInfo? Location)
    {
        internal static MethodSite From(IMethodSymbol method, MethodDeclarationSyntax syntax) =>
            new MethodSite(method.Name, MethodFrontend.Identity(method), syntax.SyntaxTree.FilePath, syntax.Span.Start, syntax.Span.Length,
                LocationInfo.From(syntax.Identifier.GetLocation()));

        /// <summary>The method, its declaration and the semantic model of its tree; null when no tree of the path declares it there.</summary>
        internal (IMethodSymbol Method, MethodDeclarationSyntax Syntax, SemanticModel Model)? Find(CompilationState state, System.Threading.CancellationToken cancellationToken)
        {
            var span = new TextSpan(Start, Length);
            foreach (var tree in state.TreesAt(FilePath))
            {
                var root = tree.GetRoot(cancellationToken);
                if (root.FullSpan.End < span.End) continue;
                var syntax = root.FindNode(span).AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault(m => m.Span == span);
                if (syntax == null) continue;
                var model = state.Model(tree);
                // Trees with one path (or none) are told apart by the method's name and parameters.
                if (model.GetDeclaredSymbol(syntax, cancellationToken) is IMethodSymbol method && MethodFrontend.Identity(method) == Identity) return (method, syntax, model);
            }
            return null;
        }
    }
}
