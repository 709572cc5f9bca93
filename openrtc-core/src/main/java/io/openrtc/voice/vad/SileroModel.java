package io.openrtc.voice.vad;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Silero voice activity model, loaded once per JVM and shared by every session: ONNX Runtime
 * sessions are safe for concurrent {@code run} calls, and the model's recurrent state lives with
 * each caller ({@link SileroVad}), so one model serves any number of streams.
 *
 * <p>The model (MIT, from PyPI {@code silero-vad==6.2.3}, the file LiveKit's Silero plugin ships)
 * is inside this jar; its checksum is verified on load. Inference runs on the calling thread
 * (one intra-op thread): a 32 ms window costs about 0.1 ms of one core, and a session's virtual
 * thread simply pins its carrier for that long.
 */
public final class SileroModel implements AutoCloseable {

    /** The model's sample rate. */
    public static final int SAMPLE_RATE = 16_000;
    /** New samples per inference (32 ms at 16 kHz). */
    public static final int WINDOW_SAMPLES = 512;
    /** Samples of the previous window the model sees again in front of each window. */
    public static final int CONTEXT_SAMPLES = 64;
    /** Floats of recurrent state per stream ([2, 1, 128]). */
    public static final int STATE_SIZE = 2 * 128;

    static final String RESOURCE = "silero_vad.onnx";
    static final String SHA256 = "1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3";

    private static final Logger log = LoggerFactory.getLogger(SileroModel.class);
    private static final long[] INPUT_SHAPE = {1, CONTEXT_SAMPLES + WINDOW_SAMPLES};
    private static final long[] STATE_SHAPE = {2, 1, 128};

    private final OrtEnvironment environment;
    private final OrtSession session;
    private final OnnxTensor sampleRate;
    private final AtomicLong inferences = new AtomicLong();
    private final AtomicLong inferenceNanos = new AtomicLong();

    private SileroModel(OrtEnvironment environment, OrtSession session, OnnxTensor sampleRate) {
        this.environment = environment;
        this.session = session;
        this.sampleRate = sampleRate;
    }

    /**
     * Loads the model shipped in this jar and runs one inference, so the first session does not
     * pay for ONNX Runtime's lazy initialisation.
     *
     * @throws IllegalStateException when the model is missing or corrupt, or ONNX Runtime cannot load
     */
    public static SileroModel load() {
        long started = System.nanoTime();
        byte[] bytes = readModel();
        try {
            OrtEnvironment environment = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            OrtSession session = environment.createSession(bytes, options);
            SileroModel model = new SileroModel(environment, session, OnnxTensor.createTensor(environment, (long) SAMPLE_RATE));
            model.infer(new float[CONTEXT_SAMPLES + WINDOW_SAMPLES], new float[STATE_SIZE]);
            log.info("Silero VAD loaded in {} ms (ONNX Runtime {})", (System.nanoTime() - started) / 1_000_000,
                    environment.getVersion());
            return model;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime could not load the Silero VAD model: " + e.getMessage(), e);
        }
    }

    /**
     * Runs one window.
     *
     * @param input {@value #CONTEXT_SAMPLES} samples of context followed by {@value #WINDOW_SAMPLES}
     *              new ones, as floats in [-1, 1]
     * @param state the stream's recurrent state ({@value #STATE_SIZE} floats), updated in place
     * @return the probability that the window holds speech
     */
    public float infer(float[] input, float[] state) {
        if (input.length != CONTEXT_SAMPLES + WINDOW_SAMPLES || state.length != STATE_SIZE) {
            throw new IllegalArgumentException("input must hold " + (CONTEXT_SAMPLES + WINDOW_SAMPLES)
                    + " samples and state " + STATE_SIZE + " floats");
        }
        long started = System.nanoTime();
        try (OnnxTensor in = OnnxTensor.createTensor(environment, FloatBuffer.wrap(input), INPUT_SHAPE);
                OnnxTensor st = OnnxTensor.createTensor(environment, FloatBuffer.wrap(state), STATE_SHAPE);
                OrtSession.Result result = session.run(Map.of("input", in, "state", st, "sr", sampleRate))) {
            float probability = ((OnnxTensor) result.get(0)).getFloatBuffer().get(0);
            ((OnnxTensor) result.get(1)).getFloatBuffer().get(state);
            return probability;
        } catch (OrtException e) {
            throw new IllegalStateException("Silero VAD inference failed: " + e.getMessage(), e);
        } finally {
            inferences.incrementAndGet();
            inferenceNanos.addAndGet(System.nanoTime() - started);
        }
    }

    /** Inferences run so far, by every stream. */
    public long inferences() {
        return inferences.get();
    }

    /** Time spent in inference so far, by every stream, in nanoseconds. */
    public long inferenceNanos() {
        return inferenceNanos.get();
    }

    /** Releases the ONNX Runtime session. */
    @Override
    public void close() {
        try {
            sampleRate.close();
            session.close();
        } catch (OrtException e) {
            log.warn("Closing the Silero VAD session failed: {}", e.getMessage());
        }
    }

    private static byte[] readModel() {
        byte[] bytes;
        try (InputStream in = SileroModel.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("The Silero VAD model " + RESOURCE + " is missing from the openrtc-core jar");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read the Silero VAD model", e);
        }
        try {
            String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            if (!SHA256.equals(digest)) {
                throw new IllegalStateException("The Silero VAD model in the openrtc-core jar is corrupt: sha256 " + digest
                        + ", expected " + SHA256);
            }
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return bytes;
    }
}
