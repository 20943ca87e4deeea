using Microsoft.CodeAnalysis;

namespace AutoDiff.Generator.Diagnostics
{
    /// <summary>Every diagnostic AutoDiff reports. IDs (in <see cref="DiagnosticIds"/>) are stable; each has a page in docs/diagnostics.</summary>
    public static class DiagnosticDescriptors
    {
        private const string Category = "AutoDiff";

        /// <summary>
        /// Where the pages in docs/diagnostics are published, ending in '/', or null while they are not: each
        /// descriptor then has no help link (an IDE searches the web for the ID instead) rather than one that does not
        /// resolve, and its description names the page in the repository.
        /// </summary>
        private const string? HelpBase = null;

        public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Error(
            DiagnosticIds.ContainingTypeNotPartial, "Containing type must be partial",
            "Type '{0}' must be declared 'partial' so AutoDiff can add the derivatives of '{1}' to it");

        public static readonly DiagnosticDescriptor UnsupportedReturnType = Error(
            DiagnosticIds.UnsupportedReturnType, "Unsupported return type",
            "'{0}' returns '{1}': a [Differentiable] method must return double or float, or return void and write its results into Span<double> or Span<float> parameters");

        public static readonly DiagnosticDescriptor UnsupportedParameter = Error(
            DiagnosticIds.UnsupportedParameter, "Unsupported parameter",
            "Parameter '{0}' cannot be differentiated: {1}");

        public static readonly DiagnosticDescriptor UnsupportedConstruct = Error(
            DiagnosticIds.UnsupportedConstruct, "Unsupported construct in a differentiable method",
            "{0} is not supported in a [Differentiable] method{1}");

        public static readonly DiagnosticDescriptor NoDerivativeForCall = Error(
            DiagnosticIds.NoDerivativeForCall, "Call has no derivative",
            "'{0}' is called with an argument that depends on the differentiated parameters, but it has no derivative: {1}");

        public static readonly DiagnosticDescriptor WriteToField = Error(
            DiagnosticIds.WriteToField, "Write to state outside the method",
            "'{0}' writes to '{1}': a [Differentiable] method may only assign its own locals and parameters");

        public static readonly DiagnosticDescriptor GeneratedNameExists = Error(
            DiagnosticIds.GeneratedNameExists, "Generated member name already exists",
            "AutoDiff cannot generate '{0}' for '{1}' because '{2}' already declares a member with that name; rename one of them");

        public static readonly DiagnosticDescriptor DerivativeLostInConversion = Warning(
            DiagnosticIds.DerivativeLostInConversion, "Derivative lost through a conversion or a call",
            "{0}: the result is treated as a constant");

        public static readonly DiagnosticDescriptor NoActiveParameters = Warning(
            DiagnosticIds.NoActiveParameters, "Nothing to differentiate",
            "'{0}' has no double or float parameter without [NoDerivative], so no derivatives are generated");

        public static readonly DiagnosticDescriptor GenericMethod = Error(
            DiagnosticIds.GenericMethod, "Generic method",
            "'{0}' is generic: {1}");

        public static readonly DiagnosticDescriptor MethodWithoutBody = Error(
            DiagnosticIds.MethodWithoutBody, "Method has no body",
            "'{0}' has no body to differentiate");

        public static readonly DiagnosticDescriptor WriteToInput = Error(
            DiagnosticIds.WriteToInput, "Write to an input array or span",
            "'{0}' is an input of the [Differentiable] method and may not be written; copy it into a local buffer (new double[n] or stackalloc) and write that");

        public static readonly DiagnosticDescriptor InvalidDerivativeRule = Error(
            DiagnosticIds.InvalidDerivativeRule, "Invalid derivative rule",
            "'{0}' cannot be the derivative rule: {1}");

        public static readonly DiagnosticDescriptor NoSecondOrder = new DiagnosticDescriptor(
            DiagnosticIds.NoSecondOrder, "No second-order companions",
            "'{0}' gets Gradient, Vjp and Jvp but no Hvp or Hessian: {1}",
            Category, DiagnosticSeverity.Info, isEnabledByDefault: true,
            description: Description(DiagnosticIds.NoSecondOrder), helpLinkUri: HelpLink(DiagnosticIds.NoSecondOrder));

        public static readonly DiagnosticDescriptor NoJacobian = new DiagnosticDescriptor(
            DiagnosticIds.NoJacobian, "No Jacobian companion",
            "'{0}' gets Jvp and Vjp but no Jacobian: it makes calls that may have side effects, and the Jacobian would make them once per coordinate; mark the called methods [System.Diagnostics.Contracts.Pure] if they have none",
            Category, DiagnosticSeverity.Info, isEnabledByDefault: true,
            description: Description(DiagnosticIds.NoJacobian), helpLinkUri: HelpLink(DiagnosticIds.NoJacobian));

        public static readonly DiagnosticDescriptor UnsupportedContainingType = Error(
            DiagnosticIds.UnsupportedContainingType, "Method declared where generated members cannot go",
            "'{0}' cannot get generated derivatives: {1}");

        public static readonly DiagnosticDescriptor ParameterTreatedAsData = Warning(
            DiagnosticIds.ParameterTreatedAsData, "Parameter treated as data",
            "Parameter '{0}' of type '{1}' is treated as data: AutoDiff does not differentiate values of this type, so no derivative with respect to it is generated; mark it [NoDerivative] to say so explicitly");

        public static readonly DiagnosticDescriptor UnsupportedValueType = Error(
            DiagnosticIds.UnsupportedValueType, "Value type cannot be differentiated",
            "AutoDiff cannot differentiate values of '{0}': {1}");
        public static readonly DiagnosticDescriptor ActiveByReference = Error(
            DiagnosticIds.ActiveByReference, "Active value passed by reference",
            "'{0}' is passed '{1}' by reference with an argument that depends on the differentiated parameters; what the call does to it has no derivative: make '{0}' return the new value (a [Differentiable] method, to differentiate through it), or pass Ad.StopGradient(…) of the value if its derivative should be zero");

        public static readonly DiagnosticDescriptor CheckpointNotApplied = Warning(
            DiagnosticIds.CheckpointNotApplied, "Checkpointing not applied",
            "'{0}' is differentiated without checkpointing, every iteration recorded: {1}");

        public static readonly DiagnosticDescriptor CheckpointEveryK = new DiagnosticDescriptor(
            DiagnosticIds.CheckpointEveryK, "Checkpointed every k iterations, not binomially",
            "'{0}' is checkpointed every k iterations instead of by the binomial schedule: {1}",
            Category, DiagnosticSeverity.Info, isEnabledByDefault: true,
            description: Description(DiagnosticIds.CheckpointEveryK), helpLinkUri: HelpLink(DiagnosticIds.CheckpointEveryK));

        public static readonly DiagnosticDescriptor InternalError = Error(
            DiagnosticIds.InternalError, "AutoDiff internal error",
            "AutoDiff failed while generating derivatives of '{0}': {1}. Please report this with the method's source.");

        private static string? HelpLink(string id) => HelpBase == null ? null : HelpBase + id + ".md";

        private static string Description(string id) => "Documented in docs/diagnostics/" + id + ".md of the AutoDiff repository.";

        private static DiagnosticDescriptor Error(string id, string title, string message) =>
            new DiagnosticDescriptor(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, description: Description(id), helpLinkUri: HelpLink(id));

        private static DiagnosticDescriptor Warning(string id, string title, string message) =>
            new DiagnosticDescriptor(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, description: Description(id), helpLinkUri: HelpLink(id));
    }
}
