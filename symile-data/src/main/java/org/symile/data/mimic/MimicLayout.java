package org.symile.data.mimic;

/** File names of the Symile-MIMIC split tensors (spec §6.3), shared by the reader and the generator. */
public final class MimicLayout {
    public static final String CXR = "cxr";
    public static final String ECG = "ecg";
    public static final String LABS_PERCENTILES = "labs_percentiles";
    public static final String LABS_MISSINGNESS = "labs_missingness";
    public static final String HADM_ID = "hadm_id";
    public static final String LABEL_HADM_ID = "label_hadm_id";
    public static final String LABEL = "label";
    /** The 50 labs of the model input (spec §8). */
    public static final int LABS = 50;
    /** Candidates per retrieval query: the positive and 9 negatives. */
    public static final int CANDIDATES = 10;

    private MimicLayout() {
    }

    /** Whether a split is stored in retrieval-candidate form (val_retrieval, test). */
    public static boolean isRetrieval(String split) {
        return split.equals("val_retrieval") || split.equals("test");
    }
}
