using System.Collections.Generic;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>
    /// How the reverse sweep forms adjoint·partial and adds a contribution to an adjoint. This one is the textbook
    /// sweep: one product and one addition each, in the order they come. The pass <c>factor-adjoints</c> chooses
    /// <see cref="FactoredAdjointSums"/> instead (<see cref="ReversePlan.FactorAdjoints"/>).
    /// </summary>
    internal class AdjointSums
    {
        public AdjointSums(IrBuilder b)
        {
            B = b;
        }

        protected IrBuilder B { get; }

        /// <summary>The sums for <paramref name="plan"/>: factored when <c>factor-adjoints</c> ran.</summary>
        public static AdjointSums For(ReversePlan plan, IrBuilder b) => plan.FactorAdjoints ? new FactoredAdjointSums(b) : new AdjointSums(b);

        /// <summary>adjoint · partial.</summary>
        public virtual int Scale(int adjoint, int partial) => B.Mul(adjoint, partial);

        /// <summary>An adjoint that already has a value, <paramref name="existing"/>, plus a further contribution.</summary>
        public virtual int Sum(int existing, int contribution, string? name) => B.Add(existing, contribution, name);
    }

    /// <summary>
    /// The pass <c>factor-adjoints</c>: adjoint chains kept short. The partials along a chain of operations are multiplied
    /// together before the adjoint is (a·(q·p)), contributions are summed before they are added, and a·k₁ + a·k₂ becomes
    /// a·(k₁ + k₂). State: the products and pending sums built so far in the function being built.
    /// </summary>
    internal sealed class FactoredAdjointSums : AdjointSums
    {
        /// <summary>An accumulated adjoint: the incoming adjoint and the sum of the contributions added to it.</summary>
        private readonly Dictionary<int, (int Base, int Terms)> _pending = new Dictionary<int, (int, int)>();

        /// <summary>Adjoints built as (adjoint · factor), the factor a product of partials.</summary>
        private readonly Dictionary<int, (int Adjoint, int Factor)> _products = new Dictionary<int, (int, int)>();

        public FactoredAdjointSums(IrBuilder b)
            : base(b)
        {
        }

        /// <summary>
        /// adjoint · partial. When the adjoint is itself ±a·q, an adjoint a scaled by partials here, the partials are
        /// multiplied first, a·(q·partial): they depend only on primal values, so only one multiplication waits for
        /// the adjoint, however long the chain of operations it flows back through (−r̄·e·cos E becomes r̄·(−e·cos E)).
        /// </summary>
        public override int Scale(int adj, int partial)
        {
            var b = B;
            bool negated = false;
            int scaled = adj;
            if (b.Definition(adj) is Instr neg && neg.Op == Op.Neg && _products.ContainsKey(neg.Args[0]))
            {
                negated = true;
                scaled = neg.Args[0];
            }
            int result;
            // (A constant "adjoint", a product such as 2·(100·b) that the seed 1 folded into, gains nothing from it; nor does
            // an adjoint computed outside the current region, a loop's say, whose product would be redone every iteration.)
            if (_products.TryGetValue(scaled, out var earlier) && b.TypeOf(earlier.Factor) == b.TypeOf(partial) && !b.IsConst(earlier.Adjoint, out _)
                && b.IsInCurrentRegion(scaled))
            {
                int factor = b.Mul(earlier.Factor, partial);
                result = b.Mul(earlier.Adjoint, negated ? b.Neg(factor) : factor);
            }
            else result = b.Mul(adj, partial);
            // Remember the product (under a negation the builder may have pulled out) for the next partial along the chain.
            Remember(result);
            return result;
        }

        public override int Sum(int existing, int contribution, string? name)
        {
            // Contributions are summed among themselves first and added to the incoming adjoint once:
            // base + (c₁ + c₂ + c₃) rather than ((base + c₁) + c₂) + c₃, so a loop-carried adjoint waits for one
            // addition per iteration instead of one per use. The partial sums left behind are dead code, unless
            // something read one, in which case adding to it is as short a chain as any.
            if (_pending.TryGetValue(existing, out var pending) && !B.IsRead(existing))
            {
                // Terms that scale the same adjoint are one product: a·k₁ + a·k₂ = a·(k₁ + k₂), the sum of partials
                // computed off the adjoint chain.
                int terms = ProductOf(pending.Terms) is (int a1, _) && ProductOf(contribution) is (int a2, _) && a1 == a2
                    ? Factored(pending.Terms, contribution)
                    : B.Add(pending.Terms, contribution);
                int sum = B.Add(pending.Base, terms, name);
                _pending[sum] = (pending.Base, terms);
                return sum;
            }
            int plain = B.Add(existing, contribution, name);
            _pending[plain] = (existing, contribution);
            return plain;
        }

        private void Remember(int result)
        {
            int inner = B.Definition(result) is Instr outer && outer.Op == Op.Neg ? outer.Args[0] : result;
            if (B.Definition(inner) is Instr m && m.Op == Op.Mul && !_products.ContainsKey(inner)) _products[inner] = (m.Args[0], m.Args[1]);
        }

        /// <summary>The adjoint and whether it is negated, when <paramref name="value"/> is (−)adjoint·factor built by <see cref="Scale"/>.</summary>
        private (int Adjoint, bool Negated)? ProductOf(int value)
        {
            if (_products.TryGetValue(value, out var p)) return (p.Adjoint, false);
            if (B.Definition(value) is Instr neg && neg.Op == Op.Neg && _products.TryGetValue(neg.Args[0], out var q)) return (q.Adjoint, true);
            return null;
        }

        /// <summary>a·k₁ + a·k₂ as a·(k₁ + k₂), signs folded into the factors.</summary>
        private int Factored(int first, int second)
        {
            var b = B;
            int Factor(int value)
            {
                var (adj, negated) = ProductOf(value)!.Value;
                int product = negated ? b.Definition(value)!.Args[0] : value;
                int factor = _products[product].Factor;
                return negated ? b.Neg(factor) : factor;
            }
            int adjoint = ProductOf(first)!.Value.Adjoint;
            int sum = b.Add(Factor(first), Factor(second));
            int result = b.Mul(adjoint, sum);
            Remember(result);
            return result;
        }
    }
}
