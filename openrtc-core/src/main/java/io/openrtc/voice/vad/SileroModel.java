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
    private final String outputName;
    private final String stateOutputName;
    private final AtomicLong inferences = new AtomicLong();
    private final AtomicLong inferenceNanos = new AtomicLong();

    private SileroModel(OrtEnvironment environment, OrtSession session, OnnxTensor sampleRate) {
        this.environment = environment;
        this.session = session;
        this.sampleRate = sampleRate;
        java.util.Iterator<String> outputs = session.getOutputNames().iterator();
        this.outputName = outputs.next();
        this.stateOutputName = outputs.next();
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

    /**
     * Opens a stream's inference state: its input, recurrent state and output live in native
     * (direct) buffers bound to ONNX Runtime tensors once, and the state passes from one window
     * to the next between two tensors, so a window allocates nothing: neither Java arrays nor the
     * direct buffers ONNX Runtime's Java binding would copy arrays into on every call. Released
     * by {@link Stream#close()}, or when the stream is garbage.
     */
    public Stream openStream() {
        return new Stream(this);
    }

    /** One stream's tensors ({@link #openStream()}). Not thread-safe: one per stream. */
    public static final class Stream implements AutoCloseable {

        private final SileroModel model;
        private final Tensors tensors;
        private final java.lang.ref.Cleaner.Cleanable cleanable;
        private int current;

        private Stream(SileroModel model) {
            this.model = model;
            this.tensors = new Tensors(model.environment);
            this.cleanable = CLEANER.register(this, tensors);
        }

        /**
         * Runs one window.
         *
         * @param input {@value #CONTEXT_SAMPLES} samples of context then {@value #WINDOW_SAMPLES} new ones, in [-1, 1]
         * @return the probability that the window holds speech
         */
        public float infer(float[] input) {
            long started = System.nanoTime();
            int next = 1 - current;
            tensors.input.clear();
            tensors.input.put(input, 0, CONTEXT_SAMPLES + WINDOW_SAMPLES);
            try (OrtSession.Result ignored = model.session.run(
                    Map.of("input", tensors.inputTensor, "state", tensors.stateTensors[current], "sr", model.sampleRate),
                    Map.of(model.outputName, tensors.outputTensor, model.stateOutputName, tensors.stateTensors[next]))) {
                current = next;
                return tensors.output.get(0);
            } catch (OrtException e) {
                throw new IllegalStateException("Silero VAD inference failed: " + e.getMessage(), e);
            } finally {
                model.inferences.incrementAndGet();
                model.inferenceNanos.addAndGet(System.nanoTime() - started);
            }
        }

        /** Forgets the recurrent state, as for a new stream. */
        public void reset() {
            for (FloatBuffer state : tensors.states) {
                for (int i = 0; i < STATE_SIZE; i++) {
                    state.put(i, 0f);
                }
            }
        }

        @Override
        public void close() {
            cleanable.clean();
        }
    }

    private static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create();

    /** The native buffers and their tensors; also the cleaner's action. */
    private static final class Tensors implements Runnable {
        final FloatBuffer input = direct(CONTEXT_SAMPLES + WINDOW_SAMPLES);
        final FloatBuffer[] states = {direct(STATE_SIZE), direct(STATE_SIZE)};
        final FloatBuffer output = direct(1);
        final OnnxTensor inputTensor;
        final OnnxTensor[] stateTensors;
        final OnnxTensor outputTensor;

        Tensors(OrtEnvironment environment) {
            try {
                inputTensor = OnnxTensor.createTensor(environment, input, INPUT_SHAPE);
                stateTensors = new OnnxTensor[] {OnnxTensor.createTensor(environment, states[0], STATE_SHAPE),
                        OnnxTensor.createTensor(environment, states[1], STATE_SHAPE)};
                outputTensor = OnnxTensor.createTensor(environment, output, new long[] {1, 1});
            } catch (OrtException e) {
                throw new IllegalStateException("ONNX Runtime could not make the Silero VAD tensors: " + e.getMessage(), e);
            }
        }

        private static FloatBuffer direct(int floats) {
            return java.nio.ByteBuffer.allocateDirect(floats * Float.BYTES).order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
        }

        @Override
        public void run() {
            inputTensor.close();
            stateTensors[0].close();
            stateTensors[1].close();
            outputTensor.close();
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
