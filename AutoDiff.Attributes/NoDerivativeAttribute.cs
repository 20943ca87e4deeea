using System;

namespace AutoDiff
{
    /// <summary>
    /// Excludes a parameter of a <see cref="DifferentiableAttribute"/> method from
    /// differentiation: it is passed through to the companions as data and gets no
    /// tangent or adjoint parameter.
    /// </summary>
    [AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
    public sealed class NoDerivativeAttribute : Attribute
    {
    }
}
