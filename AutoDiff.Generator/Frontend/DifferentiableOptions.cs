using Microsoft.CodeAnalysis;

namespace AutoDiff.Generator.Frontend
{
    /// <summary>
    /// The options of one <c>[Differentiable]</c> attribute, parsed here and nowhere else (README, "Options"):
    /// <c>SecondOrder</c> (default true: Hvp and Hessian, and ADIFF014 when they cannot be made), <c>Inline</c>
    /// (default false: callers copy the body in place of the call), <c>Checkpoints</c> (default 0: none; the number of
    /// snapshots of the outermost loop the reverse sweep keeps, README "Checkpointing") and <c>CheckpointPolicy</c>
    /// (<see cref="Binomial"/>: Revolve's schedule instead of every k iterations). An option whose value is not a constant the compiler accepted keeps its default.
    /// </summary>
    public sealed record DifferentiableOptions(bool SecondOrder = true, bool Inline = false, int Checkpoints = 0, bool Binomial = false)
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
                switch (argument.Key, argument.Value.Value)
                {
                    case (nameof(SecondOrder), bool value): options = options with { SecondOrder = value }; break;
                    case (nameof(Inline), bool value): options = options with { Inline = value }; break;
                    case (nameof(Checkpoints), int value): options = options with { Checkpoints = value }; break;
                    // CheckpointPolicy: an enum argument's constant is its underlying int (EveryK = 0, Binomial = 1).
                    case ("CheckpointPolicy", int value): options = options with { Binomial = value == 1 }; break;
                }
            }
            return options;
        }
    }
}
