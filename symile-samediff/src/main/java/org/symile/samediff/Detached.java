package org.symile.samediff;

import java.util.Collections;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.DynamicCustomOp;

/**
 * A copy of a floating-point variable that autodiff does not differentiate through: the value is reinterpreted
 * as integers and back (libnd4j {@code bitcast}, bit-exact), and SameDiff's gradient builder only follows
 * floating-point variables, so nothing upstream of the copy gets backward ops on its account.
 *
 * <p>For quantities whose gradient is zero in exact arithmetic, such as the shift of a log-sum-exp. M2.1's
 * {@code stop_gradient} is no substitute: it feeds zeros backward, and every op before it still runs its backward
 * pass ({@code reduce_max_bp} on a [B, B] array costs as much as the rest of a Symile loss).
 */
final class Detached {
    private Detached() {
    }

    /** The value of {@code x}, same shape and type, with no gradient path to it. */
    static SDVariable of(SameDiff sd, SDVariable x) {
        DataType fp = x.dataType();
        DataType bits = switch (fp) {
            case DOUBLE -> DataType.INT64;
            case FLOAT -> DataType.INT32;
            case HALF, BFLOAT16 -> DataType.INT16;
            default -> throw new IllegalArgumentException("Detached: expected a floating-point variable, got " + fp
                    + " ('" + x.name() + "')");
        };
        SDVariable asBits = new BitCastOp(sd, x, bits).outputVariable();
        return new BitCastOp(sd, asBits, fp).outputVariable();
    }

    /** libnd4j's {@code bitcast} with the target type as an integer argument (ND4J's class needs it as an input). */
    static final class BitCastOp extends DynamicCustomOp {
        private DataType target;

        /** For ND4J's op registry. */
        public BitCastOp() {
        }

        BitCastOp(SameDiff sd, SDVariable in, DataType target) {
            super(null, sd, new SDVariable[]{in});
            this.target = target;
            addIArgument(target.toInt());
        }

        @Override
        public String opName() {
            return "bitcast";
        }

        @Override
        public List<DataType> calculateOutputDataTypes(List<DataType> inputTypes) {
            if (target == null && !iArguments.isEmpty()) {
                target = DataType.fromInt(iArguments.get(0).intValue());
            }
            return Collections.singletonList(target);
        }

        @Override
        public List<SDVariable> doDiff(List<SDVariable> gradients) {
            throw new UnsupportedOperationException("bitcast has no gradient; Detached values take none");
        }
    }
}
