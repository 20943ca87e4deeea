using Microsoft.CodeAnalysis;

namespace AutoDiff.Generator.Diagnostics
{
    /// <summary>Every diagnostic AutoDiff reports. IDs are stable; each has a page in docs/diagnostics.</summary>
    public static class DiagnosticDescriptors
    {
        private const string Category = "AutoDiff";
        private const string HelpBase = "https://github.com/autodiff-cs/autodiff/blob/main/docs/diagnostics/";

        public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Error(
            "AD0001", "Containing type must be partial",
            "Type '{0}' must be declared 'partial' so AutoDiff can add the derivatives of '{1}' to it");

        public static readonly DiagnosticDescriptor UnsupportedReturnType = Error(
            "AD0002", "Unsupported return type",
            "'{0}' returns '{1}': a [Differentiable] method must return double or float, or return void and write its results into Span<double> or Span<float> parameters");

        public static readonly DiagnosticDescriptor UnsupportedParameter = Error(
            "AD0003", "Unsupported parameter",
            "Parameter '{0}' cannot be differentiated: {1}");

        public static readonly DiagnosticDescriptor UnsupportedConstruct = Error(
            "AD0004", "Unsupported construct in a differentiable method",
            "{0} is not supported in a [Differentiable] method{1}");

        public static readonly DiagnosticDescriptor NoDerivativeForCall = Error(
            "AD0005", "Call has no derivative",
            "'{0}' is called with an argument that depends on the differentiated parameters, but it has no derivative: {1}");

        public static readonly DiagnosticDescriptor WriteToField = Error(
            "AD0006", "Write to state outside the method",
            "'{0}' writes to '{1}': a [Differentiable] method may only assign its own locals and parameters");

        public static readonly DiagnosticDescriptor GeneratedNameExists = Error(
            "AD0007", "Generated member name already exists",
            "AutoDiff cannot generate '{0}' for '{1}' because '{2}' already declares a member with that name; rename one of them");

        public static readonly DiagnosticDescriptor DerivativeLostInConversion = Warning(
            "AD0008", "Derivative lost through a conversion or a call",
            "{0}: the result is treated as a constant");

        public static readonly DiagnosticDescriptor NoActiveParameters = Warning(
            "AD0009", "Nothing to differentiate",
            "'{0}' has no double or float parameter without [NoDerivative], so no derivatives are generated");

        public static readonly DiagnosticDescriptor GenericMethod = Error(
            "AD0010", "Generic method",
            "'{0}' is generic: [Differentiable] methods cannot have type parameters yet (the containing type may be generic)");

        public static readonly DiagnosticDescriptor MethodWithoutBody = Error(
            "AD0011", "Method has no body",
            "'{0}' has no body to differentiate");

        public static readonly DiagnosticDescriptor WriteToInput = Error(
            "AD0012", "Write to an input array or span",
            "'{0}' is an input of the [Differentiable] method and may not be written; copy it into a local buffer (new double[n] or stackalloc) and write that");

        public static readonly DiagnosticDescriptor InvalidDerivativeRule = Error(
            "AD0013", "Invalid derivative rule",
            "'{0}' cannot be the derivative rule: {1}");

        public static readonly DiagnosticDescriptor NoSecondOrder = new DiagnosticDescriptor(
            "AD0014", "No second-order companions",
            "'{0}' gets Gradient, Vjp and Jvp but no Hvp or Hessian: {1}",
            Category, DiagnosticSeverity.Info, isEnabledByDefault: true, helpLinkUri: HelpBase + "AD0014.md");

        public static readonly DiagnosticDescriptor NoJacobian = new DiagnosticDescriptor(
            "AD0017", "No Jacobian companion",
            "'{0}' gets Jvp and Vjp but no Jacobian: it makes calls that may have side effects, and the Jacobian would make them once per coordinate; mark the called methods [System.Diagnostics.Contracts.Pure] if they have none",
            Category, DiagnosticSeverity.Info, isEnabledByDefault: true, helpLinkUri: HelpBase + "AD0017.md");

        public static readonly DiagnosticDescriptor UnsupportedContainingType = Error(
            "AD0015", "Method declared where generated members cannot go",
            "'{0}' cannot get generated derivatives: {1}");

        public static readonly DiagnosticDescriptor ParameterTreatedAsData = Warning(
            "AD0016", "Parameter treated as data",
            "Parameter '{0}' of type '{1}' is treated as data: AutoDiff does not differentiate values of this type, so no derivative with respect to it is generated; mark it [NoDerivative] to say so explicitly");

        public static readonly DiagnosticDescriptor InternalError = Error(
            "AD0099", "AutoDiff internal error",
            "AutoDiff failed while generating derivatives of '{0}': {1}. Please report this with the method's source.");

        private static DiagnosticDescriptor Error(string id, string title, string message) =>
            new DiagnosticDescriptor(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpBase + id + ".md");

        private static DiagnosticDescriptor Warning(string id, string title, string message) =>
            new DiagnosticDescriptor(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpBase + id + ".md");
    }
}
