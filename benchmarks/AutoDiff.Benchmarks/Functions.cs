using System;
using AutoDiff;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// The functions under test. Each is straight-line code tagged [Differentiable]; the generator
    /// adds <c>{Name}Gradient</c>, <c>{Name}Vjp</c> and <c>{Name}Jvp</c> to these partial types.
    /// The hand-written gradients they are compared with are in <see cref="HandWritten"/>.
    /// </summary>
    public static partial class Rosenbrock
    {
        /// <summary>f(x, y) = (1 − x)² + 100·(y − x²)²: cheap arithmetic only, so any overhead shows.</summary>
        [Differentiable]
        public static double Value(double x, double y)
        {
            double u = 1 - x;
            double v = y - x * x;
            return u * u + 100 * v * v;
        }
    }

    /// <summary>
    /// A planar arm with two links, shoulder angle θ1 and elbow angle θ2 (radians). The cost is
    /// the squared distance from the end effector to a target, the usual objective of inverse
    /// kinematics by gradient descent.
    /// </summary>
    /// <remarks>An instance type so that the link lengths are fields read through <c>this</c>.</remarks>
    public sealed partial class TwoLinkArm
    {
        public TwoLinkArm(double upperLength, double lowerLength)
        {
            UpperLength = upperLength;
            LowerLength = lowerLength;
        }

        public double UpperLength { get; }
        public double LowerLength { get; }

        [Differentiable]
        public double SquaredDistance(double theta1, double theta2, [NoDerivative] double targetX, [NoDerivative] double targetY)
        {
            double elbow = theta1 + theta2;
            double x = UpperLength * Math.Cos(theta1) + LowerLength * Math.Cos(elbow);
            double y = UpperLength * Math.Sin(theta1) + LowerLength * Math.Sin(elbow);
            double ex = x - targetX;
            double ey = y - targetY;
            return ex * ex + ey * ey;
        }
    }

    /// <summary>
    /// A European call priced with the Black–Scholes formula, with the normal CDF replaced by
    /// the smooth approximation N(z) ≈ ½·(1 + tanh(√(2/π)·(z + 0.044715·z³))) so that the body
    /// uses only Math functions the generator differentiates today. Its gradient is the Greeks:
    /// delta (spot), dual delta (strike), −theta (years), rho (rate), vega (volatility).
    /// </summary>
    public static partial class CallOption
    {
        public const double SqrtTwoOverPi = 0.79788456080286535588;
        public const double CubicCoefficient = 0.044715;

        [Differentiable]
        public static double Price(double spot, double strike, double years, double rate, double volatility)
        {
            double sqrtYears = Math.Sqrt(years);
            double volSqrtYears = volatility * sqrtYears;
            double d1 = (Math.Log(spot / strike) + (rate + 0.5 * volatility * volatility) * years) / volSqrtYears;
            double d2 = d1 - volSqrtYears;
            double n1 = 0.5 * (1 + Math.Tanh(SqrtTwoOverPi * (d1 + CubicCoefficient * d1 * d1 * d1)));
            double n2 = 0.5 * (1 + Math.Tanh(SqrtTwoOverPi * (d2 + CubicCoefficient * d2 * d2 * d2)));
            double discountedStrike = strike * Math.Exp(-rate * years);
            return spot * n1 - discountedStrike * n2;
        }
    }
}
