using System;

namespace AutoDiff
{
    /// <summary>
    /// Marks a method for compile-time differentiation. The AutoDiff generator emits companion
    /// methods next to it in the same partial type: <c>{Name}Gradient</c>, <c>{Name}Vjp</c>
    /// (reverse mode) and <c>{Name}Jvp</c> (forward mode), and for a scalar-valued method
    /// <c>{Name}Hvp</c> and <c>{Name}Hessian</c> (forward mode over reverse mode).
    /// </summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
    public sealed class DifferentiableAttribute : Attribute
    {
        /// <summary>
        /// Whether to generate the second-order companions <c>{Name}Hvp</c> and <c>{Name}Hessian</c> of a
        /// scalar-valued method (default <c>true</c>). Set it to <c>false</c> to halve the generated code
        /// of a method that needs only first derivatives.
        /// </summary>
        public bool SecondOrder { get; set; } = true;
    }
}
