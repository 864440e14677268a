package org.symile.data;

import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Element types the split-tensor files can hold, with their numpy type codes, torch storage names, widths and
 * the ND4J type an array of them is read into.
 */
public enum ElementType {
    FLOAT16("f2", "HalfStorage", 2, DataType.HALF),
    BFLOAT16(null, "BFloat16Storage", 2, DataType.BFLOAT16),
    FLOAT32("f4", "FloatStorage", 4, DataType.FLOAT),
    FLOAT64("f8", "DoubleStorage", 8, DataType.DOUBLE),
    INT8("i1", "CharStorage", 1, DataType.BYTE),
    INT16("i2", "ShortStorage", 2, DataType.SHORT),
    INT32("i4", "IntStorage", 4, DataType.INT),
    INT64("i8", "LongStorage", 8, DataType.LONG),
    UINT8("u1", "ByteStorage", 1, DataType.UBYTE),
    BOOL("b1", "BoolStorage", 1, DataType.BOOL);

    private final String numpyCode;
    private final String torchStorage;
    private final int width;
    private final DataType nd4j;

    ElementType(String numpyCode, String torchStorage, int width, DataType nd4j) {
        this.numpyCode = numpyCode;
        this.torchStorage = torchStorage;
        this.width = width;
        this.nd4j = nd4j;
    }

    /** Bytes per element. */
    public int width() {
        return width;
    }

    /** The ND4J type arrays of this element type are read into. */
    public DataType dataType() {
        return nd4j;
    }

    /** Whether values are floating point. */
    public boolean isFloatingPoint() {
        return this == FLOAT16 || this == BFLOAT16 || this == FLOAT32 || this == FLOAT64;
    }

    /** numpy's name ({@code float32}, {@code int64}, ...). */
    public String numpyName() {
        return name().toLowerCase(Locale.ROOT).replace("bool", "bool");
    }

    /** The type of a numpy descr code without its byte-order character ({@code f4}, {@code i8}, ...), or null. */
    static ElementType fromNumpy(String code) {
        for (ElementType t : values()) {
            if (code.equals(t.numpyCode)) {
                return t;
            }
        }
        // numpy writes bool and one-byte types with '|' or without width variants
        return switch (code) {
            case "?" -> BOOL;
            case "b" -> INT8;
            case "B" -> UINT8;
            default -> null;
        };
    }

    /** The type of a torch storage class name ({@code FloatStorage}, ...), or null. */
    static ElementType fromTorchStorage(String name) {
        for (ElementType t : values()) {
            if (name.equals(t.torchStorage)) {
                return t;
            }
        }
        return null;
    }

    /** numpy descr code of this type, little-endian ({@code <f4}; one-byte types use {@code |}). */
    String numpyDescr() {
        if (numpyCode == null) {
            throw new IllegalArgumentException(this + " has no numpy equivalent");
        }
        return (width == 1 ? "|" : "<") + numpyCode;
    }
}
