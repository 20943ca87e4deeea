using System;

namespace AutoDiff
{
    /// <summary>
    /// Declares the method it is on as the derivative rule of another method, which the generator
    /// then does not look into: <c>[DerivativeOf(typeof(Special), nameof(Special.Erf))]</c>. The rule is
    /// static, takes the same parameters as the target, and returns the partial derivatives with
    /// respect to the target's <c>double</c>/<c>float</c> parameters: one value for one such parameter,
    /// a tuple in parameter order for several. Works for methods of any assembly.
    /// </summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
    public sealed class DerivativeOfAttribute : Attribute
    {
        public DerivativeOfAttribute(Type type, string methodName)
        {
            Type = type;
            MethodName = methodName;
        }

        /// <summary>The type that declares the method the rule is for.</summary>
        public Type Type { get; }

        /// <summary>The name of the method the rule is for.</summary>
        public string MethodName { get; }
    }
}
