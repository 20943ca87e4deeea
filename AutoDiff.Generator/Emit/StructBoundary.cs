using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Frontend;

namespace AutoDiff.Generator.Emit
{
    /// <summary>
    /// Where a companion meets a struct parameter (one IR parameter per leaf, <see cref="StructPart"/>): it reads leaves as
    /// <c>p.X</c>, <c>pDot.X</c>, and writes a struct derivative leaf by leaf (<c>pAdj.X += …</c>, <c>dp.X = …</c>) when the
    /// type's leaves can be assigned, or through locals rebuilt into the struct at the end (<c>dp = new P(dpX, dpY)</c>)
    /// when they cannot (a readonly struct, init-only properties). The tangent or adjoint of a struct is a value of the
    /// same struct whose pass-through fields (an int, a string) are copied from the primal value (a Gradient's
    /// <c>dp</c>) or left as they are (a Vjp's <c>pAdj</c>).
    /// </summary>
    internal sealed class StructBoundary
    {
        public enum Kind
        {
            /// <summary>A read-only tangent or direction: <c>P pDot</c>.</summary>
            In,
            /// <summary>An adjoint added into: <c>ref P pAdj</c>.</summary>
            Ref,
            /// <summary>A derivative written: <c>out P dp</c>, its pass-through fields copied from <c>p</c>.</summary>
            Out,
        }

        /// <summary>Per active parameter (by position in the active list): the name the body reads or writes.</summary>
        public List<string> Names { get; } = new List<string>();

        /// <summary>Per active parameter: the name the body uses, the same as <see cref="Names"/> but for an array of structs, whose number view it is (<c>dpsFlat</c>).</summary>
        public List<string> Body { get; } = new List<string>();

        /// <summary>Per active parameter: its entry in the signature, or null for a struct leaf after its owner's first.</summary>
        public List<string?> Signature { get; } = new List<string?>();

        public List<string> Prologue { get; } = new List<string>();

        public List<string> Epilogue { get; } = new List<string>();

        /// <summary>Leaves written in place (<c>pAdj.X</c>), for <see cref="BodyEmitter"/>.</summary>
        public HashSet<string> InPlace { get; } = new HashSet<string>();

        /// <param name="scalar">The signature entry of a parameter that is not a struct leaf, given its name.</param>
        /// <param name="nameOf">The companion's name for a parameter named so (<c>dx</c>, <c>xAdj</c>).</param>
        public static StructBoundary For(MethodModel model, IReadOnlyList<ParameterModel> active, System.Func<string, string> nameOf, HashSet<string> taken,
            Kind kind, System.Func<ParameterModel, string, string> scalar)
        {
            var b = new StructBoundary();
            var owners = new Dictionary<string, string>();
            foreach (var p in active)
            {
                if (p.Part == null)
                {
                    string name = CompanionEmitter.Unique(nameOf(p.Name), taken);
                    b.Names.Add(name);
                    b.Signature.Add(scalar(p, name));
                    if (p.Array != null)
                    {
                        // An array of structs: the body reads and writes a view of its numbers.
                        string flat = CompanionEmitter.Unique(name.TrimStart('@') + "Flat", taken);
                        b.Prologue.Add("var " + flat + " = " + CompanionEmitter.Cast(p, name, primal: false) + ";");
                        b.Body.Add(flat);
                    }
                    else b.Body.Add(name);
                    continue;
                }
                var part = p.Part;
                if (owners.TryGetValue(part.Owner, out var owner))
                {
                    b.Names.Add(LeafName(owner, part, kind));
                    b.Body.Add(b.Names[b.Names.Count - 1]);
                    b.Signature.Add(null);
                    continue;
                }
                owner = owners[part.Owner] = CompanionEmitter.Unique(nameOf(part.Owner), taken);
                b.Signature.Add((kind == Kind.Ref ? "ref " : kind == Kind.Out ? "out " : "") + part.OwnerType + " " + owner);
                b.Names.Add(LeafName(owner, part, kind));
                b.Body.Add(b.Names[b.Names.Count - 1]);
                var leaves = model.Parameters.Where(q => q.Part != null && q.Part.Owner == part.Owner).OrderBy(q => q.Part!.Leaf).ToList();
                string primal = Identifiers.Escape(part.Owner);
                if (kind == Kind.In) continue;
                if (part.Assignable)
                {
                    foreach (var leaf in leaves.Where(q => q.IsActive)) b.InPlace.Add(leaf.Part!.On(owner));
                    if (kind == Kind.Out) b.Prologue.Add(owner + " = " + primal + ";");
                    continue;
                }
                // Not assignable in place: a local per differentiated leaf, the struct rebuilt from them at the end.
                var args = new List<string>();
                foreach (var leaf in leaves)
                {
                    if (!leaf.IsActive)
                    {
                        args.Add(leaf.Part!.On(kind == Kind.Out ? primal : owner));
                        continue;
                    }
                    string local = TempName(owner, leaf.Part!);
                    taken.Add(local);
                    if (kind == Kind.Ref) b.InPlace.Add(local);
                    b.Prologue.Add(leaf.Type.Display + " " + local + (kind == Kind.Ref ? " = " + leaf.Part!.On(owner) : " = 0") + ";");
                    args.Add(local);
                }
                b.Epilogue.Add(owner + " = " + string.Format(System.Globalization.CultureInfo.InvariantCulture, part.Build, args.ToArray()) + ";");
            }
            return b;
        }

        private static string LeafName(string owner, StructPart part, Kind kind) =>
            kind == Kind.In || part.Assignable ? part.On(owner) : TempName(owner, part);

        /// <summary><c>dpX</c> for <c>dp.X</c>, <c>pAdjPosX</c> for <c>pAdj.Pos.X</c>.</summary>
        private static string TempName(string owner, StructPart part) =>
            owner.TrimStart('@') + string.Concat(part.Path.Split('.').Where(s => s.Length > 0).Select(s => char.ToUpperInvariant(s[0]) + s.Substring(1)));

        /// <summary>The signature entries that are not null.</summary>
        public IEnumerable<string> Parameters => Signature.Where(s => s != null)!;
    }
}
