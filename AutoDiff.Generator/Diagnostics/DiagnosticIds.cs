namespace AutoDiff.Generator.Diagnostics
{
    /// <summary>
    /// The ID of every AutoDiff diagnostic. Compiled into the generator and, as a linked file, into AutoDiff.CodeFixes,
    /// so that the code fixes name the diagnostics they fix without depending on the generator's assembly.
    /// </summary>
    internal static class DiagnosticIds
    {
        public const string ContainingTypeNotPartial = "ADIFF001";
        public const string UnsupportedReturnType = "ADIFF002";
        public const string UnsupportedParameter = "ADIFF003";
        public const string UnsupportedConstruct = "ADIFF004";
        public const string NoDerivativeForCall = "ADIFF005";
        public const string WriteToField = "ADIFF006";
        public const string GeneratedNameExists = "ADIFF007";
        public const string DerivativeLostInConversion = "ADIFF008";
        public const string NoActiveParameters = "ADIFF009";
        public const string GenericMethod = "ADIFF010";
        public const string MethodWithoutBody = "ADIFF011";
        public const string WriteToInput = "ADIFF012";
        public const string InvalidDerivativeRule = "ADIFF013";
        public const string NoSecondOrder = "ADIFF014";
        public const string UnsupportedContainingType = "ADIFF015";
        public const string ParameterTreatedAsData = "ADIFF016";
        public const string NoJacobian = "ADIFF017";
        public const string UnsupportedValueType = "ADIFF018";
        public const string ActiveByReference = "ADIFF021";
        public const string CheckpointNotApplied = "ADIFF022";
        public const string CheckpointEveryK = "ADIFF023";
        public const string InternalError = "ADIFF099";
    }
}
