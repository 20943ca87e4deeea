using System;
using System.Linq;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.EverydayCSharp;

/// <summary>Rectangular arrays (issue 15, item 6): the fixtures, generated at build time.</summary>
public static partial class Array2DFixtures
{
    /// <summary>‖A·x‖²: a matrix-vector product written with a[i, j] and GetLength.</summary>
    [Differentiable]
    public static double MatVecNormSquared(double[,] a, double[] x)
    {
        double s = 0;
        for (int i = 0; i < a.GetLength(0); i++)
        {
            double y = 0;
            for (int j = 0; j < a.GetLength(1); j++) y += a[i, j] * x[j];
            s += y * y;
        }
        return s;
    }

    /// <summary>½‖J·p − b‖², J a Jacobian-like matrix, with a smooth term in J's entries.</summary>
    [Differentiable]
    public static double LeastSquares(double[,] jacobian, double[] p, double[] b)
    {
        int m = jacobian.GetLength(0), n = jacobian.GetLength(1);
        double loss = 0;
        for (int i = 0; i < m; i++)
        {
            double r = -b[i];
            for (int j = 0; j < n; j++) r += jacobian[i, j] * Math.Exp(0.1 * p[j]);
            loss += 0.5 * r * r;
        }
        return loss;
    }

    /// <summary>The energy of a 2-D Laplacian stencil, written into a local new double[n, m] and read back.</summary>
    [Differentiable]
    public static double LaplacianEnergy(double[,] u)
    {
        int n = u.GetLength(0), m = u.GetLength(1);
        var lap = new double[n, m];
        for (int i = 1; i < n - 1; i++)
        {
            for (int j = 1; j < m - 1; j++) lap[i, j] = u[i + 1, j] + u[i - 1, j] + u[i, j + 1] + u[i, j - 1] - 4 * u[i, j];
        }
        double e = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < m; j++) e += 0.5 * lap[i, j] * lap[i, j] + Math.Sin(u[i, j]) / u.Length;
        }
        return e;
    }

    /// <summary>x·Aᵀ·A·x in float.</summary>
    [Differentiable]
    public static float FloatQuadratic(float[,] a, float[] x)
    {
        float s = 0;
        for (int i = 0; i < a.GetLength(0); i++)
        {
            float y = 0;
            for (int j = 0; j < x.Length; j++) y += a[i, j] * x[j];
            s += y * y;
        }
        return s;
    }
}

public class MultiDimArrayTests
{
    private const int Rows = 3, Columns = 4;

    private static double[,] Matrix(double[] t, int offset, int rows, int columns)
    {
        var a = new double[rows, columns];
        for (int i = 0; i < rows; i++) for (int j = 0; j < columns; j++) a[i, j] = t[offset + i * columns + j];
        return a;
    }

    private static double[] Flat(double[,] a) => a.Cast<double>().ToArray();

    private static double[] Point(int n) => Enumerable.Range(0, n).Select(k => 0.3 + 0.17 * k * (k % 3 == 1 ? -1 : 1)).ToArray();

    /// <summary>θ = the matrix's elements (row-major), then the vector's.</summary>
    private static CompanionSet MatrixAndVector(int rows, int columns, int n,
        Func<double[,], double[], double> f,
        Func<double[,], double[], double[,], double[], double> gradient,
        Func<double[,], double[], double, double[,], double[], double> vjp,
        Func<double[,], double[], double[,], double[], (double, double)> jvp,
        Func<double[,], double[], double[,], double[], double[,], double[], double> hvp)
    {
        int size = rows * columns;
        double[,] A(double[] t) => Matrix(t, 0, rows, columns);
        double[] X(double[] t) => t[size..];
        return new CompanionSet(
            t => f(A(t), X(t)),
            t =>
            {
                var da = new double[rows, columns];
                var dx = new double[n];
                double v = gradient(A(t), X(t), da, dx);
                return (v, Flat(da).Concat(dx).ToArray());
            },
            (t, seed, initial) =>
            {
                var aAdj = Matrix(initial, 0, rows, columns);
                var xAdj = initial[size..];
                double v = vjp(A(t), X(t), seed, aAdj, xAdj);
                return (v, Flat(aAdj).Concat(xAdj).ToArray());
            },
            (t, d) => jvp(A(t), X(t), A(d), X(d)),
            (t, d) =>
            {
                var ha = new double[rows, columns];
                var hx = new double[n];
                double v = hvp(A(t), X(t), A(d), X(d), ha, hx);
                return (v, Flat(ha).Concat(hx).ToArray());
            });
    }

    [Test]
    public void Matrix_vector_product()
    {
        var set = MatrixAndVector(Rows, Columns, Columns, Array2DFixtures.MatVecNormSquared,
            (a, x, da, dx) => Array2DFixtures.MatVecNormSquaredGradient(a, x, da, dx),
            (a, x, s, aAdj, xAdj) => Array2DFixtures.MatVecNormSquaredVjp(a, x, s, aAdj, xAdj),
            (a, x, aDot, xDot) => (Array2DFixtures.MatVecNormSquaredJvp(a, x, aDot, xDot, out double t), t),
            (a, x, va, vx, ha, hx) => Array2DFixtures.MatVecNormSquaredHvp(a, x, va, vx, ha, hx));
        var at = Point(Rows * Columns + Columns);
        var gradient = set.Check(at);

        // The hand formula: ∂/∂a[i, j] = 2·y_i·x_j, ∂/∂x = 2·Aᵀ·y.
        var a = Matrix(at, 0, Rows, Columns);
        var x = at[(Rows * Columns)..];
        var y = Enumerable.Range(0, Rows).Select(i => Enumerable.Range(0, Columns).Sum(j => a[i, j] * x[j])).ToArray();
        for (int i = 0; i < Rows; i++)
            for (int j = 0; j < Columns; j++)
                Assert.That(gradient[i * Columns + j], Is.EqualTo(2 * y[i] * x[j]).Within(1e-12));
        for (int j = 0; j < Columns; j++)
            Assert.That(gradient[Rows * Columns + j], Is.EqualTo(2 * Enumerable.Range(0, Rows).Sum(i => a[i, j] * y[i])).Within(1e-12));
    }

    [Test]
    public void Least_squares_residual_with_a_matrix()
    {
        const int m = 4, n = 3;
        var b = new[] { 0.5, -0.25, 1.5, 0.75 };
        var set = MatrixAndVector(m, n, n, (j, p) => Array2DFixtures.LeastSquares(j, p, b),
            (j, p, dj, dp) => Array2DFixtures.LeastSquaresGradient(j, p, b, dj, dp, new double[m]),
            (j, p, s, jAdj, pAdj) => Array2DFixtures.LeastSquaresVjp(j, p, b, s, jAdj, pAdj, new double[m]),
            (j, p, jDot, pDot) => (Array2DFixtures.LeastSquaresJvp(j, p, b, jDot, pDot, new double[m], out double t), t),
            (j, p, vj, vp, hj, hp) => Array2DFixtures.LeastSquaresHvp(j, p, b, vj, vp, new double[m], hj, hp, new double[m]));
        set.Check(Point(m * n + n));
    }

    [Test]
    public void Laplacian_stencil_into_a_local_matrix()
    {
        const int n = 4, m = 5;
        var set = new CompanionSet(
            t => Array2DFixtures.LaplacianEnergy(Matrix(t, 0, n, m)),
            t =>
            {
                var du = new double[n, m];
                double v = Array2DFixtures.LaplacianEnergyGradient(Matrix(t, 0, n, m), du);
                return (v, Flat(du));
            },
            (t, seed, initial) =>
            {
                var uAdj = Matrix(initial, 0, n, m);
                double v = Array2DFixtures.LaplacianEnergyVjp(Matrix(t, 0, n, m), seed, uAdj);
                return (v, Flat(uAdj));
            },
            (t, d) => (Array2DFixtures.LaplacianEnergyJvp(Matrix(t, 0, n, m), Matrix(d, 0, n, m), out double tangent), tangent),
            (t, d) =>
            {
                var hv = new double[n, m];
                double v = Array2DFixtures.LaplacianEnergyHvp(Matrix(t, 0, n, m), Matrix(d, 0, n, m), hv);
                return (v, Flat(hv));
            });
        var at = Point(n * m).Select((v, k) => v + 0.05 * k * k).ToArray();
        var gradient = set.Check(at);
        // A corner is in no stencil's centre or arm: only the sine term reaches it.
        Assert.That(gradient[0], Is.EqualTo(Math.Cos(at[0]) / (n * m)).Within(1e-14));
    }

    [Test]
    public void Float_matrix()
    {
        var a = new float[,] { { 0.5f, -1.25f }, { 2f, 0.75f }, { -0.5f, 1f } };
        var x = new[] { 0.3f, -0.7f };
        var da = new float[3, 2];
        var dx = new float[2];
        float value = Array2DFixtures.FloatQuadraticGradient(a, x, da, dx);
        Assert.That(BitConverter.SingleToInt32Bits(value), Is.EqualTo(BitConverter.SingleToInt32Bits(Array2DFixtures.FloatQuadratic(a, x))));
        for (int i = 0; i < 3; i++)
        {
            float y = a[i, 0] * x[0] + a[i, 1] * x[1];
            for (int j = 0; j < 2; j++) Assert.That(da[i, j], Is.EqualTo(2 * y * x[j]).Within(1e-5));
        }
        var aDot = new float[3, 2];
        aDot[1, 0] = 1;
        Array2DFixtures.FloatQuadraticJvp(a, x, aDot, new float[2], out float tangent);
        Assert.That(tangent, Is.EqualTo(da[1, 0]).Within(1e-5));
    }

    [Test]
    public void A_derivative_of_another_shape_throws()
    {
        var a = new double[2, 3];
        var x = new double[3];
        Assert.Throws<ArgumentException>(() => Array2DFixtures.MatVecNormSquaredGradient(a, x, new double[3, 2], new double[3]));
        Assert.Throws<ArgumentException>(() => Array2DFixtures.MatVecNormSquaredVjp(a, x, 1, new double[2, 2], new double[3]));
    }

    [Test]
    public void Gradient_overwrites_and_allocates_nothing()
    {
        var a = Matrix(Point(Rows * Columns), 0, Rows, Columns);
        var x = Point(Columns);
        var da = new double[Rows, Columns];
        var dx = new double[Columns];
        da[0, 0] = 1e6;
        Array2DFixtures.MatVecNormSquaredGradient(a, x, da, dx);
        var again = new double[Rows, Columns];
        Array2DFixtures.MatVecNormSquaredGradient(a, x, again, new double[Columns]);
        Assert.That(da, Is.EqualTo(again), "the gradient overwrites what the array held");
        long bytes = CompanionSet.AllocatedBy(() =>
        {
            Array2DFixtures.MatVecNormSquaredGradient(a, x, da, dx);
            Array2DFixtures.MatVecNormSquaredVjp(a, x, 1, da, dx);
            Array2DFixtures.MatVecNormSquaredJvp(a, x, da, dx, out _);
            Array2DFixtures.MatVecNormSquaredHvp(a, x, da, dx, again, dx);
        });
        Assert.That(bytes, Is.EqualTo(0));
    }
}
