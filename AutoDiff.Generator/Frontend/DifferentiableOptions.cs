using Microsoft.CodeAnalysis;

namespace AutoDiff.Generator.Frontend
{
    /// <summary>
    /// The options of one <c>[Differentiable]</c> attribute, parsed here and nowhere else (README, "Options"):
    /// <c>SecondOrder</c> (default true: Hvp and Hessian, and ADIFF014 when they cannot be made) and <c>Inline</c>
    /// (default false: callers copy the body in place of the call). An option whose value is not a constant the
    /// compiler accepted keeps its default.
    /// </summary>
    public sealed record DifferentiableOptions(bool SecondOrder = true, bool Inline = false)
    {
        public static readonly DifferentiableOptions Default = new DifferentiableOptions();

        /// <summary>The options of <paramref name="method"/>'s [Differentiable] attribute, or null when it has none.</summary>
        internal static DifferentiableOptions? Of(IMethodSymbol method, KnownTypes types) =>
            KnownTypes.Attribute(method, types.Differentiable) is AttributeData attribute ? Parse(attribute) : null;

        internal static DifferentiableOptions Parse(AttributeData attribute)
        {
            var options = Default;
            foreach (var argument in attribute.NamedArguments)
            {
                if (!(argument.Value.Value is bool value)) continue;
                switch (argument.Key)
                {
                    case nameof(SecondOrder): options = options with { SecondOrder = value }; break;
                    case nameof(Inline): options = options with { Inline = value }; break;
                }
            }
            return options;
        }
    }
}
