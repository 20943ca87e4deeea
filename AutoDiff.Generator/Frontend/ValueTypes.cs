using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Ir;
using Microsoft.CodeAnalysis;

namespace AutoDiff.Generator.Frontend
{
    /// <summary>
    /// One leaf of a struct value: a floating-point field (differentiated) or a pass-through one (an int, a string, an
    /// enum: copied, never differentiated), reached from the value by <see cref="Path"/> (<c>.Pos.X</c>).
    /// <see cref="Name"/> is the path as an identifier part (<c>Pos_X</c>) for IR names.
    /// </summary>
    internal sealed record StructLeaf(string Path, string Name, TypeRef Type)
    {
        public bool IsDifferentiable => Type.IsFloating;
    }

    /// <summary>
    /// How a value type is scalarized (like SROA): the fixed list of its leaves, depth first in declaration order, and
    /// its direct members, each with the range of leaves it covers. A struct value in the frontend is one IR value per
    /// leaf; the passes never see the struct. <see cref="For"/> decides per type from its symbols: a tuple, or a struct
    /// (record struct, readonly struct) whose instance fields and auto-properties are double/float, other such structs,
    /// or pass-through data, all readable from the method's type. <see cref="Build"/> says how generated code makes one
    /// from its leaves (<c>{0}</c>, <c>{1}</c>… in leaf order), <see cref="Assignable"/> whether it can write a leaf in
    /// place (<c>pAdj.X += …</c>). Types defined elsewhere whose fields are hidden (System.Numerics) are rows of
    /// <see cref="Rows"/>: their leaves and constructor, given by hand.
    /// </summary>
    internal sealed class StructLayout
    {
        private StructLayout(ITypeSymbol type, List<Member> members, List<StructLeaf> leaves, bool assignable, string build)
        {
            Type = type;
            Members = members;
            Leaves = leaves;
            Assignable = assignable;
            Build = build;
        }

        public ITypeSymbol Type { get; }

        public IReadOnlyList<Member> Members { get; }

        public IReadOnlyList<StructLeaf> Leaves { get; }

        /// <summary>Whether every leaf can be assigned in place on a variable of the type (mutable fields, setters).</summary>
        public bool Assignable { get; }

        /// <summary>A C# expression making the value from its leaves, <c>{0}</c>… in leaf order.</summary>
        public string Build { get; }

        public bool IsTuple => Type.IsTupleType;

        /// <summary>A direct member (field or auto-property): its leaves are <c>Leaves[Start .. Start + Count)</c>; <see cref="Nested"/> when it is a struct itself.</summary>
        public sealed record Member(ISymbol Symbol, string Name, ITypeSymbol Type, int Start, int Count, StructLayout? Nested);

        /// <summary>The member a field or property symbol reads (a tuple element's field by its underlying ItemN as well).</summary>
        public Member? Find(ISymbol symbol)
        {
            foreach (var m in Members)
            {
                if (SymbolEqualityComparer.Default.Equals(m.Symbol, symbol) || SymbolEqualityComparer.Default.Equals(m.Symbol, symbol.OriginalDefinition)) return m;
                if (symbol is IFieldSymbol f && f.CorrespondingTupleField is IFieldSymbol t && SymbolEqualityComparer.Default.Equals(m.Symbol, t)) return m;
                if (m.Symbol is IFieldSymbol mf && mf.CorrespondingTupleField is IFieldSymbol mt && symbol is IFieldSymbol sf && SymbolEqualityComparer.Default.Equals(mt, sf.CorrespondingTupleField ?? sf)) return m;
            }
            return null;
        }

        /// <summary>
        /// A known type whose fields are not visible (a type from another assembly): its leaves as (member, type), read
        /// by member name, and built by its constructor in that order. The System.Numerics helper adds rows here.
        /// </summary>
        /// <remarks>
        /// A row looks like <c>["System.Numerics.Complex"] = new[] { ("Real", SpecialType.System_Double), ("Imaginary",
        /// SpecialType.System_Double) }</c>. Types of the <c>System</c> namespaces are taken apart only through a row
        /// (their operators and methods need rules too); until then they stay data (ADIFF016).
        /// </remarks>
        public static readonly Dictionary<string, (string Member, SpecialType Type)[]> Rows = new Dictionary<string, (string, SpecialType)[]>
        {
            // System.Numerics: their operations are lowered in Lowering.Numerics.cs, with rules in Derivatives/NumericsRules.cs.
            ["System.Numerics.Vector2"] = new[] { ("X", SpecialType.System_Single), ("Y", SpecialType.System_Single) },
            ["System.Numerics.Vector3"] = new[] { ("X", SpecialType.System_Single), ("Y", SpecialType.System_Single), ("Z", SpecialType.System_Single) },
            ["System.Numerics.Vector4"] = new[] { ("X", SpecialType.System_Single), ("Y", SpecialType.System_Single), ("Z", SpecialType.System_Single), ("W", SpecialType.System_Single) },
            ["System.Numerics.Complex"] = new[] { ("Real", SpecialType.System_Double), ("Imaginary", SpecialType.System_Double) },
        };

        /// <summary>Whether the type is a value type AutoDiff scalarizes (it may still fail <see cref="For"/>, with a reason).</summary>
        public static bool IsCandidate(ITypeSymbol? type) =>
            type is INamedTypeSymbol named && named.TypeKind == TypeKind.Struct && named.SpecialType == SpecialType.None
            && !named.IsRefLikeType && named.OriginalDefinition.SpecialType != SpecialType.System_Nullable_T
            && named.TypeKind != TypeKind.Enum && (named.IsTupleType || Rows.ContainsKey(FullName(named))
                || (MethodFrontend.HoldsFloatingPoint(named, 0) && (!named.DeclaringSyntaxReferences.IsEmpty || (!InSystem(named) && PublicFields(named)))));

        private static bool InSystem(INamedTypeSymbol type)
        {
            var ns = type.ContainingNamespace;
            while (ns != null && !ns.IsGlobalNamespace && !(ns.ContainingNamespace?.IsGlobalNamespace ?? true)) ns = ns.ContainingNamespace;
            return ns != null && ns.Name == "System";
        }

        /// <summary>A type from another assembly is taken apart only when each of its fields is public (System.Numerics.Vector3).</summary>
        private static bool PublicFields(INamedTypeSymbol type) =>
            type.GetMembers().OfType<IFieldSymbol>().Where(f => !f.IsStatic && !f.IsConst)
                .All(f => f.DeclaredAccessibility == Accessibility.Public && (f.Type.SpecialType == SpecialType.System_Double || f.Type.SpecialType == SpecialType.System_Single || f.Type.IsValueType && f.Type is INamedTypeSymbol n && PublicFields(n)));

        /// <summary>
        /// The layout of <paramref name="type"/> as seen from <paramref name="within"/> (the type the generated code is in),
        /// or null with <paramref name="why"/> saying what stops it (and what to do).
        /// </summary>
        public static StructLayout? For(ITypeSymbol type, INamedTypeSymbol? within, Compilation? compilation, out string why) =>
            Make(type, within, compilation, 0, out why);

        private static StructLayout? Make(ITypeSymbol type, INamedTypeSymbol? within, Compilation? compilation, int depth, out string why)
        {
            why = "";
            string display = type.ToDisplayString();
            if (depth > 8)
            {
                why = "'" + display + "' nests structs too deeply";
                return null;
            }
            if (!(type is INamedTypeSymbol named) || !IsCandidate(named))
            {
                why = "'" + display + "' is not a struct of numbers";
                return null;
            }
            var members = new List<Member>();
            var leaves = new List<StructLeaf>();
            bool assignable = !named.IsReadOnly;
            string global = TypeRefs.Display(named);
            if (Rows.TryGetValue(FullName(named), out var row))
            {
                foreach (var (name, special) in row)
                {
                    var symbol = named.GetMembers(name).FirstOrDefault(m => !m.IsStatic && (m is IFieldSymbol || m is IPropertySymbol));
                    if (symbol == null)
                    {
                        why = "'" + display + "' has no member '" + name + "'";
                        return null;
                    }
                    var memberType = compilation?.GetSpecialType(special) ?? (symbol is IFieldSymbol f0 ? f0.Type : ((IPropertySymbol)symbol).Type);
                    members.Add(new Member(symbol, name, memberType, leaves.Count, 1, null));
                    leaves.Add(new StructLeaf("." + name, name, TypeRefs.From(memberType)));
                    assignable &= symbol is IFieldSymbol rf && !rf.IsReadOnly;
                }
                return new StructLayout(named, members, leaves, assignable, "new " + global + "(" + string.Join(", ", leaves.Select((_, i) => "{" + i + "}")) + ")");
            }

            foreach (var field in named.GetMembers().OfType<IFieldSymbol>())
            {
                if (field.IsStatic || field.IsConst) continue;
                ISymbol member = field;
                ITypeSymbol memberType = field.Type;
                string name = field.Name;
                bool writable = !field.IsReadOnly;
                if (named.IsTupleType)
                {
                    // A tuple's elements are Item1, Item2… whatever names the source gave them; ItemN is always valid.
                    if (field.CorrespondingTupleField == null || !SymbolEqualityComparer.Default.Equals(field.CorrespondingTupleField, field)) continue;
                }
                else if (field.AssociatedSymbol is IPropertySymbol property)
                {
                    member = property;
                    name = property.Name;
                    memberType = property.Type;
                    writable = property.SetMethod != null && !property.SetMethod.IsInitOnly && !field.IsReadOnly;
                    if (property.GetMethod == null || (within != null && compilation != null && !compilation.IsSymbolAccessibleWithin(property.GetMethod, within)))
                    {
                        why = "the property '" + display + "." + name + "' cannot be read from '" + within?.Name + "'; make its getter public or internal";
                        return null;
                    }
                }
                else if (field.IsImplicitlyDeclared)
                {
                    why = "'" + display + "' has a field AutoDiff cannot name ('" + field.Name + "')";
                    return null;
                }
                else if (within != null && compilation != null && !compilation.IsSymbolAccessibleWithin(field, within))
                {
                    why = "the field '" + display + "." + name + "' cannot be read from '" + within.Name + "'; make it public or internal (or expose it as an auto-property)";
                    return null;
                }
                if (named.IsTupleType) name = field.Name;
                assignable &= writable;
                int start = leaves.Count;
                if (TypeRefs.IsFloating(memberType))
                {
                    leaves.Add(new StructLeaf("." + name, name, TypeRefs.From(memberType)));
                    members.Add(new Member(member, name, memberType, start, 1, null));
                    continue;
                }
                if (IsCandidate(memberType))
                {
                    var nested = Make(memberType, within, compilation, depth + 1, out why);
                    if (nested == null) return null;
                    assignable &= nested.Assignable && member is IFieldSymbol;
                    foreach (var leaf in nested.Leaves) leaves.Add(new StructLeaf("." + name + leaf.Path, name + "_" + leaf.Name, leaf.Type));
                    members.Add(new Member(member, name, memberType, start, nested.Leaves.Count, nested));
                    continue;
                }
                if (MethodFrontend.HoldsFloatingPoint(memberType, 0))
                {
                    why = "its member '" + name + "' is a '" + memberType.ToDisplayString() + "', whose numbers AutoDiff does not differentiate; use double or float";
                    return null;
                }
                if (memberType.TypeKind == TypeKind.Pointer || memberType.TypeKind == TypeKind.FunctionPointer || memberType.IsRefLikeType)
                {
                    why = "its member '" + name + "' is a '" + memberType.ToDisplayString() + "'";
                    return null;
                }
                // Pass-through data: copied along, never differentiated.
                leaves.Add(new StructLeaf("." + name, name, TypeRefs.From(memberType)));
                members.Add(new Member(member, name, memberType, start, 1, null));
            }
            if (!leaves.Any(l => l.IsDifferentiable))
            {
                why = "'" + display + "' has no double or float field";
                return null;
            }
            string? build = named.IsTupleType
                ? "(" + string.Join(", ", members.Select(m => BuildMember(m))) + ")"
                : Constructor(named, members, within, compilation) ?? Initializer(named, members, global);
            if (build == null)
            {
                why = "generated code cannot make a '" + display + "' from its fields: give it a constructor whose parameters have the fields' names and types, or make the fields settable ('init' or 'set')";
                return null;
            }
            return new StructLayout(named, members, leaves, assignable, build);
        }

        private static string BuildMember(Member m) =>
            m.Nested == null ? "{" + m.Start + "}" : Shift(m.Nested.Build, m.Start);

        /// <summary>The nested type's build pattern with its placeholders moved to the outer leaf numbering.</summary>
        private static string Shift(string pattern, int by)
        {
            if (by == 0) return pattern;
            var sb = new System.Text.StringBuilder();
            for (int i = 0; i < pattern.Length; i++)
            {
                if ((pattern[i] == '{' || pattern[i] == '}') && i + 1 < pattern.Length && pattern[i + 1] == pattern[i])
                {
                    sb.Append(pattern[i]).Append(pattern[i]); // an escaped brace of an initializer
                    i++;
                }
                else if (pattern[i] == '{')
                {
                    int close = pattern.IndexOf('}', i);
                    sb.Append('{').Append(int.Parse(pattern.Substring(i + 1, close - i - 1), System.Globalization.CultureInfo.InvariantCulture) + by).Append('}');
                    i = close;
                }
                else sb.Append(pattern[i]);
            }
            return sb.ToString();
        }

        /// <summary>A constructor whose parameters are the members, by name (ignoring case) and type, in any order.</summary>
        private static string? Constructor(INamedTypeSymbol type, List<Member> members, INamedTypeSymbol? within, Compilation? compilation)
        {
            foreach (var ctor in type.InstanceConstructors)
            {
                if (ctor.Parameters.Length != members.Count || ctor.Parameters.Length == 0) continue;
                if (within != null && compilation != null && !compilation.IsSymbolAccessibleWithin(ctor, within)) continue;
                var args = new List<string>();
                foreach (var p in ctor.Parameters)
                {
                    var m = members.FirstOrDefault(x => string.Equals(x.Name, p.Name, System.StringComparison.OrdinalIgnoreCase) && SymbolEqualityComparer.Default.Equals(x.Type, p.Type));
                    if (m == null || p.RefKind != RefKind.None) break;
                    args.Add(BuildMember(m));
                }
                if (args.Count == members.Count) return "new " + TypeRefs.Display(type) + "(" + string.Join(", ", args) + ")";
            }
            return null;
        }

        /// <summary><c>default(P) with { X = {0}, … }</c> when every member can be set.</summary>
        private static string? Initializer(INamedTypeSymbol type, List<Member> members, string global)
        {
            foreach (var m in members)
            {
                bool settable = m.Symbol is IFieldSymbol f ? !f.IsReadOnly : ((IPropertySymbol)m.Symbol).SetMethod != null;
                if (!settable) return null;
            }
            // (Braces doubled: the pattern is a format string.)
            return "default(" + global + ") with {{ " + string.Join(", ", members.Select(m => m.Name + " = " + BuildMember(m))) + " }}";
        }

        /// <summary>
        /// The number type an array of this type is viewed as in place (<c>MemoryMarshal.Cast&lt;P, double&gt;</c>: element i's
        /// leaf j is number <c>i * Leaves.Count + j</c>), or null with <paramref name="why"/>: every leaf must be of one
        /// floating type (no pass-through data, nothing between them) and the leaves must be the type's fields in memory order
        /// (a struct declared in one place, sequential layout; a type of another assembly whose fields are the leaves; a <see cref="Rows"/> type, whose row states its layout).
        /// </summary>
        public TypeRef? Flat(out string why)
        {
            why = "";
            string display = Type.ToDisplayString();
            var number = Leaves[0].Type;
            if (IsTuple)
            {
                why = "an array of tuples is not laid out field by field (ValueTuple's layout is automatic); use an array of a struct";
                return null;
            }
            if (number.Kind == ValueKind.FloatingParameter || Leaves.Any(l => l.Type != number))
            {
                why = "an array of '" + display + "' is differentiated in place as an array of its numbers, which needs every field of '" + display + "' to be a double, or every one a float (no other data); use separate arrays for the other fields";
                return null;
            }
            if (!InMemoryOrder(Type, 0))
            {
                why = "an array of '" + display + "' is differentiated in place as an array of its numbers, which needs its fields laid out in declaration order: declare them in one file, without [StructLayout] (other than Sequential with no Pack or Size)";
                return null;
            }
            return number;
        }

        /// <summary>Whether the type's instance fields, depth first in member order, are exactly its leaves (no other field, no layout attribute).</summary>
        private bool InMemoryOrder(ITypeSymbol type, int depth)
        {
            var paths = new List<string>();
            if (!Fields(type, "", depth, paths)) return false;
            return paths.SequenceEqual(Leaves.Select(l => l.Path));
        }

        private static bool Fields(ITypeSymbol type, string prefix, int depth, List<string> into)
        {
            if (depth > 8 || !(type is INamedTypeSymbol named)) return false;
            // A row states its layout: its members are its fields in memory order (Complex's are private, even hidden).
            if (Rows.TryGetValue(FullName(named), out var row))
            {
                foreach (var (member, _) in row) into.Add(prefix + "." + member);
                return true;
            }
            // (Fields declared in several files of a partial struct have no defined order; other parts, generated companions say, do not matter.)
            if (named.GetMembers().OfType<IFieldSymbol>().Where(f => !f.IsStatic && !f.IsConst).Select(f => f.Locations.FirstOrDefault()?.SourceTree).Distinct().Count() > 1) return false;
            foreach (var a in named.GetAttributes())
            {
                if (a.AttributeClass?.Name == "StructLayoutAttribute" && (a.NamedArguments.Length > 0 || !(a.ConstructorArguments.FirstOrDefault().Value is int kind) || kind != 0)) return false;
            }
            foreach (var field in named.GetMembers().OfType<IFieldSymbol>())
            {
                if (field.IsStatic || field.IsConst) continue;
                string name = prefix + "." + (field.AssociatedSymbol is IPropertySymbol property ? property.Name : field.Name);
                if (TypeRefs.IsFloating(field.Type)) into.Add(name);
                else if (!(field.Type.IsValueType && Fields(field.Type, name, depth + 1, into))) return false;
            }
            return true;
        }

        public static string FullName(INamedTypeSymbol type) =>
            (type.ContainingNamespace == null || type.ContainingNamespace.IsGlobalNamespace ? "" : type.ContainingNamespace.ToDisplayString() + ".") + type.Name;
    }
}

namespace AutoDiff.Generator.Frontend
{
    /// <summary>Struct parameters and struct results of a [Differentiable] method, as the model's leaf parameters.</summary>
    internal static class StructParameters
    {
        /// <summary>
        /// Adds a struct parameter's leaves (true), or reports ADIFF018 for a struct it cannot scalarize (true, nothing
        /// added); false when the parameter is not a struct.
        /// </summary>
        public static bool Expand(IMethodSymbol method, IParameterSymbol p, bool active, Location location, List<ParameterModel> into, List<Diagnostic> diagnostics, Compilation compilation)
        {
            if (!StructLayout.IsCandidate(p.Type)) return false;
            var layout = StructLayout.For(p.Type, method.ContainingType, compilation, out string why);
            if (layout == null)
            {
                // A value of a type AutoDiff cannot take apart: its derivative would silently be lost.
                diagnostics.Add(Diagnostic.Create(Diagnostics.DiagnosticDescriptors.UnsupportedValueType, location, p.Type.ToDisplayString(), why));
                into.Add(new ParameterModel(p.Name, TypeRefs.From(p.Type), false));
                return true;
            }
            if (method.ReturnsVoid && active)
            {
                // A vector-valued method's Jacobian would need unit structs: not done yet.
                diagnostics.Add(Diagnostic.Create(Diagnostics.DiagnosticDescriptors.UnsupportedParameter, location, p.Name,
                    "a struct parameter of a vector-valued method (one that writes output spans) is not supported yet; pass its fields as double parameters or mark it [NoDerivative]"));
                active = false;
            }
            Add(p.Name, layout, active, hidden: false, into);
            return true;
        }

        /// <summary>
        /// An array or span of structs (<c>P[]</c>, <c>ReadOnlySpan&lt;P&gt;</c>: an input; <c>Span&lt;P&gt;</c>: an output of a
        /// vector-valued method) as one parameter that the IR sees as a span of its numbers (<see cref="StructArray"/>), or ADIFF018
        /// when it cannot be viewed so (true either way); false when the parameter is no such array.
        /// </summary>
        public static bool ExpandArray(IMethodSymbol method, IParameterSymbol p, bool isIn, Location location, List<ParameterModel> into, List<Diagnostic> diagnostics, Compilation compilation)
        {
            if (!(ElementOf(p.Type) is ITypeSymbol element) || !StructLayout.IsCandidate(element)) return false;
            var layout = StructLayout.For(element, method.ContainingType, compilation, out string why);
            var number = layout?.Flat(out why);
            if (layout == null || number == null)
            {
                diagnostics.Add(Diagnostic.Create(Diagnostics.DiagnosticDescriptors.UnsupportedValueType, location, p.Type.ToDisplayString(), why));
                into.Add(new ParameterModel(p.Name, TypeRefs.From(p.Type), false));
                return true;
            }
            bool output = TypeRefs.IsWritableSpan(p.Type);
            if (output && !method.ReturnsVoid)
            {
                diagnostics.Add(Diagnostic.Create(Diagnostics.DiagnosticDescriptors.UnsupportedParameter, location, p.Name,
                    "a writable Span is an output of a vector-valued method, which returns void; return void, take a ReadOnlySpan, or mark it [NoDerivative]"));
            }
            var array = new StructArray(TypeRefs.Display(p.Type), TypeRefs.Display(element), layout.Leaves.Count);
            into.Add(new ParameterModel(p.Name, output ? TypeRef.SpanOf(number) : TypeRef.ReadOnlySpanOf(number), !output, output, isIn, Array: array));
            return true;
        }

        /// <summary>The element type of a one-dimensional array or a span, or null.</summary>
        public static ITypeSymbol? ElementOf(ITypeSymbol type) =>
            type is IArrayTypeSymbol a && a.Rank == 1 ? a.ElementType : TypeRefs.IsSpan(type, out var e) ? e : null;

        /// <summary>A <c>Span&lt;P&gt;</c> of a struct: an output of a vector-valued method, like a <c>Span&lt;double&gt;</c>.</summary>
        public static bool IsStructOutput(ITypeSymbol type) => TypeRefs.IsWritableSpan(type) && ElementOf(type) is ITypeSymbol e && StructLayout.IsCandidate(e);

        /// <summary>The leaves of <c>this</c> in an instance method of a struct AutoDiff scalarizes (hidden, inactive).</summary>
        public static void This(IMethodSymbol method, Compilation compilation, List<ParameterModel> into)
        {
            if (method.IsStatic || !(method.ContainingType is INamedTypeSymbol type) || !StructLayout.IsCandidate(type)) return;
            var layout = StructLayout.For(type, type, compilation, out _);
            if (layout != null) Add("this", layout, active: false, hidden: true, into);
        }

        private static void Add(string owner, StructLayout layout, bool active, bool hidden, List<ParameterModel> into)
        {
            string ownerType = TypeRefs.Display(layout.Type);
            for (int i = 0; i < layout.Leaves.Count; i++)
            {
                var leaf = layout.Leaves[i];
                var part = new StructPart(owner, ownerType, leaf.Path, i, layout.Leaves.Count, layout.Build, layout.Assignable, hidden);
                into.Add(new ParameterModel(IrName(owner, leaf), leaf.Type, active && leaf.IsDifferentiable, Part: part));
            }
        }

        /// <summary>The IR name of a leaf parameter: <c>pX</c>, <c>thisPosX</c>.</summary>
        public static string IrName(string owner, StructLeaf leaf) =>
            owner + char.ToUpperInvariant(leaf.Name[0]) + leaf.Name.Substring(1).Replace("_", "");

        /// <summary>The result leaves of a method returning a struct or tuple, or null.</summary>
        public static StructReturn? Return(IMethodSymbol method, Compilation compilation)
        {
            if (!StructLayout.IsCandidate(method.ReturnType)) return null;
            var layout = StructLayout.For(method.ReturnType, method.ContainingType, compilation, out _);
            if (layout == null) return null;
            return new StructReturn(TypeRefs.Display(layout.Type), layout.Build, layout.Assignable,
                layout.Leaves.Select(l => l.Path).ToEquatableArray(), layout.Leaves.Select(l => l.Type).ToEquatableArray());
        }
    }

    /// <summary>A struct result: its type, how to build it from its leaves, and each leaf's path and type (the IR's results, in order).</summary>
    public sealed record StructReturn(string Type, string Build, bool Assignable, EquatableArray<string> Paths, EquatableArray<TypeRef> Types);
}
