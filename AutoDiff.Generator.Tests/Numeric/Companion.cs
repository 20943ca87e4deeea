using System;
using System.Linq;
using System.Reflection;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Calls a fixture and its generated companions through reflection, so one set of checks covers
/// every fixture. Arguments travel as doubles and are converted to each parameter's type.
/// </summary>
public sealed class Companion
{
    private readonly MethodInfo _primal;
    private readonly ParameterInfo[] _parameters;

    public Companion(MethodInfo primal)
    {
        _primal = primal;
        _parameters = primal.GetParameters();
        Active = Enumerable.Range(0, _parameters.Length)
            .Where(i => (_parameters[i].ParameterType == typeof(double) || _parameters[i].ParameterType == typeof(float))
                        && _parameters[i].GetCustomAttribute<NoDerivativeAttribute>() == null)
            .ToArray();
    }

    public int[] Active { get; }

    /// <summary>Whether single precision is involved, which loosens every tolerance.</summary>
    public bool IsSingle => _primal.DeclaringType == typeof(SinglePrecision) || _primal.ReturnType == typeof(float);

    public string Name => _primal.DeclaringType!.Name + "." + _primal.Name;

    public double Value(double[] at) => ToDouble(_primal.Invoke(null, Arguments(at, 0))!);

    public (double Value, double[] Gradient) Gradient(double[] at)
    {
        var args = Arguments(at, Active.Length);
        double value = ToDouble(Find("Gradient").Invoke(null, args)!);
        return (value, Active.Select((_, k) => ToDouble(args[_parameters.Length + k]!)).ToArray());
    }

    public (double Value, double[] Adjoints) Vjp(double[] at, double seed, double[] initial)
    {
        var args = Arguments(at, 1 + Active.Length);
        args[_parameters.Length] = Convert(seed, _primal.ReturnType);
        for (int k = 0; k < Active.Length; k++) args[_parameters.Length + 1 + k] = Convert(initial[k], _parameters[Active[k]].ParameterType);
        double value = ToDouble(Find("Vjp").Invoke(null, args)!);
        return (value, Active.Select((_, k) => ToDouble(args[_parameters.Length + 1 + k]!)).ToArray());
    }

    public (double Value, double Tangent) Jvp(double[] at, double[] tangents)
    {
        var args = Arguments(at, Active.Length + 1);
        for (int k = 0; k < Active.Length; k++) args[_parameters.Length + k] = Convert(tangents[k], _parameters[Active[k]].ParameterType);
        double value = ToDouble(Find("Jvp").Invoke(null, args)!);
        return (value, ToDouble(args[^1]!));
    }

    private MethodInfo Find(string suffix)
    {
        var flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static;
        return _primal.DeclaringType!.GetMethods(flags).Single(m => m.Name == _primal.Name + suffix);
    }

    private object?[] Arguments(double[] at, int extra)
    {
        var args = new object?[_parameters.Length + extra];
        for (int i = 0; i < _parameters.Length; i++) args[i] = Convert(at[i], _parameters[i].ParameterType);
        return args;
    }

    private static object Convert(double value, Type type) =>
        type == typeof(float) ? (object)(float)value : type == typeof(int) ? (object)(int)value
        : type == typeof(double) ? (object)value : System.Convert.ChangeType(value, type, System.Globalization.CultureInfo.InvariantCulture);

    private static double ToDouble(object value) => value is float f ? f : (double)value;
}
