namespace AutoDiff.Generator.Ir
{
    /// <summary>
    /// What the transforms and the emitter may do with an instruction. This is the one place that says it: value numbering
    /// (<see cref="IrBuilder"/>), dead-code elimination, the reverse sweep's recompute-or-record plan, hoisting and fusion,
    /// and the emitter's folding of temporaries into expressions all ask here.
    /// </summary>
    public static class OpInfo
    {
        /// <summary>
        /// <see cref="Instr.Number"/> of a <see cref="Op.CallStatic"/>, <see cref="Op.CallMember"/>, <see cref="Op.LoadStatic"/>
        /// or <see cref="Op.LoadMember"/> that may have an effect or see one: a call to a method the generator does not know to
        /// be pure, a property getter, or a read of a field in a method that makes such calls. The frontend sets it from the
        /// symbol; calls the transforms make (a rule's partials, a runtime tangent) are pure and leave it 0.
        /// </summary>
        public const double Effectful = 1;

        /// <summary>
        /// Whether <paramref name="op"/> changes state or reads state that changes: it runs exactly where it stands, as often
        /// as it does there and in the same order with the others, in every function made from the one it is in. It is never
        /// merged with another instruction, dropped (even when its value is unused), moved into or out of a loop or branch,
        /// nor recomputed by a reverse sweep (its value is recorded when the reverse sweep needs it).
        /// </summary>
        public static bool HasEffect(Op op, double number)
        {
            switch (op)
            {
                case Op.Push:
                case Op.Pop:
                case Op.Write:
                case Op.AddTo:
                case Op.Effect:
                case Op.CallVjp:         // it adds into the adjoint spans it is given
                case Op.CallVjpTangent:
                    return true;
                case Op.CallStatic:
                case Op.CallMember:
                case Op.LoadStatic:
                case Op.LoadMember:
                    return number == Effectful;
                default:
                    return false;
            }
        }

        public static bool HasEffect(Instr instr) => !instr.HasRegions && HasEffect(instr.Op, instr.Number);

        /// <summary>
        /// Whether the value of <paramref name="op"/> depends only on its operands: two on the same operands are one value,
        /// and it may be computed where it is read, or again, or not at all when unused. Everything but effects, reads of a
        /// buffer's elements (ordered with its writes), allocations, and a callee's Jvp (it reads tangent spans).
        /// </summary>
        public static bool IsPure(Op op, double number) =>
            !HasEffect(op, number) && op != Op.Read && op != Op.NewBuffer && op != Op.CallJvp;

        public static bool IsPure(Instr instr) => !instr.HasRegions && IsPure(instr.Op, instr.Number);

        /// <summary>A call, property getter or field read the frontend marked <see cref="Effectful"/> (not a tape or buffer operation).</summary>
        public static bool IsCallWithEffects(Instr instr) =>
            (instr.Op == Op.CallStatic || instr.Op == Op.CallMember || instr.Op == Op.LoadStatic || instr.Op == Op.LoadMember) && instr.Number == Effectful;

        /// <summary>Whether <paramref name="instr"/>, or an instruction in a region inside it, has an effect.</summary>
        public static bool ContainsEffect(Instr instr) => IrWalk.Contains(instr, HasEffect);

        /// <summary>Whether <paramref name="instr"/>, or an instruction in a region inside it, is a call with effects: what the method does to the world.</summary>
        public static bool ContainsCallWithEffects(Instr instr) => IrWalk.Contains(instr, IsCallWithEffects);
    }
}
