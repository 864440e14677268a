package org.symile.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.datavec.api.records.Record;
import org.datavec.api.split.FileSplit;
import org.datavec.api.writable.NDArrayWritable;
import org.datavec.api.writable.Writable;
import org.datavec.api.writable.batch.NDArrayRecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SplitTensorRecordReaderTest {

    @Test
    void batchesAndRecordsMatchTheRawReader(@TempDir Path root) throws Exception {
        SplitTensorsTest.layout(root);
        SplitTensorRecordReader rr = new SplitTensorRecordReader("audio", "ids");
        rr.initialize(new FileSplit(root.resolve("train").toFile()));
        assertTrue(rr.batchesSupported());
        List<List<Writable>> batch = rr.next(3);
        assertInstanceOf(NDArrayRecordBatch.class, batch);
        NDArrayRecordBatch b = (NDArrayRecordBatch) batch;
        try (NpyFile audio = NpyFile.open(root.resolve("train/audio_train.npy"))) {
            assertEquals(audio.readRows(0, 3), b.getArrays().get(0));
            List<Writable> rec = rr.next();
            assertEquals(audio.readRows(3, 4), ((NDArrayWritable) rec.get(0)).get());
            Record r = rr.nextRecord();
            assertEquals(audio.readRows(4, 5), ((NDArrayWritable) r.getRecord().get(0)).get());
            assertTrue(!rr.hasNext());
            Record again = rr.loadFromMetaData(r.getMetaData());
            assertEquals(audio.readRows(4, 5), ((NDArrayWritable) again.getRecord().get(0)).get());
            rr.reset();
            assertEquals(audio.readRows(0, 5), ((NDArrayRecordBatch) rr.next(10)).getArrays().get(0));
        }
        rr.close();
    }

    @Test
    void misalignedTensorsAreRejectedAtInitialisation(@TempDir Path root) throws Exception {
        SplitTensorsTest.layout(root);
        SplitTensorRecordReader rr = new SplitTensorRecordReader("audio", "short");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> rr.initialize(new FileSplit(root.resolve("train").toFile())));
        assertTrue(e.getMessage().contains("short_train.npy"), e.getMessage());
    }
}
