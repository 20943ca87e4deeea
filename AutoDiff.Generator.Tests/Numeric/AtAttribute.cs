using System;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// A point at which the numeric tests check a fixture's derivatives, one value per parameter
/// (integers for int parameters). Points sit away from kinks; kinks have their own tests.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class AtAttribute : Attribute
{
    public AtAttribute(params double[] values) => Values = values;

    public double[] Values { get; }
}
