using System;

namespace AutoDiff
{
    /// <summary>
    /// Marks a method for compile-time differentiation. The AutoDiff generator emits companion
    /// methods next to it in the same partial type: <c>{Name}Gradient</c>, <c>{Name}Vjp</c>
    /// (reverse mode) and <c>{Name}Jvp</c> (forward mode).
    /// </summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
    public sealed class DifferentiableAttribute : Attribute
    {
    }
}
