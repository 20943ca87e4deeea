namespace AutoDiff.Generator.Diagnostics
{
    /// <summary>
    /// The ID of every AutoDiff diagnostic. Compiled into the generator and, as a linked file, into AutoDiff.CodeFixes,
    /// so that the code fixes name the diagnostics they fix without depending on the generator's assembly.
    /// </summary>
    internal static class DiagnosticIds
    {
        public const string ContainingTypeNotPartial = "AD0001";
        public const string UnsupportedReturnType = "AD0002";
        public const string UnsupportedParameter = "AD0003";
        public const string UnsupportedConstruct = "AD0004";
        public const string NoDerivativeForCall = "AD0005";
        public const string WriteToField = "AD0006";
        public const string GeneratedNameExists = "AD0007";
        public const string DerivativeLostInConversion = "AD0008";
        public const string NoActiveParameters = "AD0009";
        public const string GenericMethod = "AD0010";
        public const string MethodWithoutBody = "AD0011";
        public const string WriteToInput = "AD0012";
        public const string InvalidDerivativeRule = "AD0013";
        public const string NoSecondOrder = "AD0014";
        public const string UnsupportedContainingType = "AD0015";
        public const string ParameterTreatedAsData = "AD0016";
        public const string NoJacobian = "AD0017";
        public const string InternalError = "AD0099";
    }
}
