// The caller side of the real-media density benchmark on LiveKit's Go SDK
// (github.com/livekit/server-sdk-go/v2, on pion): ONE process driving N callers, each in its own
// room. The same contract as ../callers/media-callers.mjs (the same flags, the same JSON lines on
// stdout, the same per-caller figures), so harness/media_density.py runs either one
// (--callers node|go).
//
// For each caller i: join room <prefix>-<i> (auto-created), publish a sine tone, then ask LiveKit
// to dispatch the agent to that room (CreateDispatch with --agent-name), subscribe to the agent's
// audio, decode it and time it. When every caller hears its agent (or --ready-timeout-s passes),
// wait --settle-s, then measure for --measure-s (then --linger-s more with the tone playing, so
// the agents can take their end-of-window figures, before the rooms are deleted):
//
//	framesPerSec  10 ms frames of the agent's audio decoded per second (100 is perfect)
//	gapP99Ms      99th percentile of the time between two decoded packets
//	gapMaxMs      largest such gap
//	toneHz, rms   the decoded tone's frequency (zero crossings) and level (16-bit units)
//	sentPerSec    10 ms frames of the caller's own tone sent per second (100 is perfect; less
//	              means this process could not keep up and the agent heard gaps)
//
// Differences from the Node callers, by construction of the two SDKs:
//   - Sending: the tone is generated in 10 ms frames but encoded by libopus (media-sdk's opus
//     writer, the same one lksdk's PCMLocalTrack uses) as one Opus packet per --packet-ms
//     (default 20 ms, what libwebrtc sends for rtc-node's 10 ms frames), paced by one Go ticker
//     per caller. PCMLocalTrack itself is not used: it adds a queue and a 10 ms ticker goroutine
//     per track and would send 10 ms packets, twice the packet rate the agent decodes with Node.
//   - Receiving: lksdk's PCMRemoteTrack (media-sdk's jitter handler, then libopus) hands over
//     each packet's PCM as it is decoded. There is no playout clock as in libwebrtc (rtc-node),
//     so a gap is the time between two decoded packets (20 ms nominal) rather than between two
//     10 ms playout frames, and lost packets are not concealed (they are missing frames).
//
// Usage: LIVEKIT_URL=ws://... LIVEKIT_API_KEY=... LIVEKIT_API_SECRET=... \
//
//	media-callers-go --sessions 5 --agent-name bench-tone [--room-prefix bench] [--tone-hz 440]
//	    [--settle-s 3] [--measure-s 20] [--ready-timeout-s 60] [--join-concurrency 4] [--packet-ms 20]
//	    [--linger-s 2] [--connect-timeout-s 15]
//
// Events leave as JSON lines on stdout, each with "event" and "tMs" (epoch ms):
// ready, joined{id,room}, dispatched{id,room,dispatchId}, hearing{id,agent,afterJoinMs},
// all-hearing{count,of,timedOut,waitedMs,sinceStartMs}, window-start, window-end,
// caller{id,room,...stats}, summary{...}, error{id?,message}, done. The SDK's own logs go to
// stderr.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/livekit/media-sdk"
	"github.com/livekit/media-sdk/opus"
	"github.com/livekit/protocol/auth"
	"github.com/livekit/protocol/livekit"
	protoLogger "github.com/livekit/protocol/logger"
	lksdk "github.com/livekit/server-sdk-go/v2"
	lkmedia "github.com/livekit/server-sdk-go/v2/pkg/media"
	"github.com/pion/webrtc/v4"
)

const (
	sampleRate  = 48000
	frame10ms   = sampleRate / 100
	toneLevel   = 6000
	joinRetries = 2
)

// ---------------------------------------------------------------------------------------------
// output

var out = struct {
	sync.Mutex
	enc *json.Encoder
}{enc: json.NewEncoder(os.Stdout)}

// emit writes one JSON line on stdout: the orchestrator's only input.
func emit(event string, fields map[string]any) {
	line := map[string]any{"event": event, "tMs": time.Now().UnixMilli()}
	for k, v := range fields {
		line[k] = v
	}
	out.Lock()
	defer out.Unlock()
	_ = out.enc.Encode(line)
}

func fail(format string, args ...any) {
	emit("error", map[string]any{"message": fmt.Sprintf(format, args...)})
	os.Exit(1)
}

func requiredEnv(name string) string {
	v := os.Getenv(name)
	if v == "" {
		fail("environment variable %s is not set", name)
	}
	return v
}

// ---------------------------------------------------------------------------------------------
// what a caller hears

// frameClock times the decoded packets of one received track and keeps its level and pitch.
type frameClock struct {
	mu          sync.Mutex
	firstAt     time.Time
	measuring   bool
	last        time.Time
	gaps        []float64 // ms, inside the window
	samples     int64     // inside the window
	crossings   int64
	prevSign    int
	sumSquares  float64
	onFirstHear func(at time.Time)
}

func (c *frameClock) WriteSample(pcm media.PCM16Sample) error {
	now := time.Now()
	c.mu.Lock()
	first := c.firstAt.IsZero()
	if first {
		c.firstAt = now
	}
	if c.measuring {
		if !c.last.IsZero() {
			c.gaps = append(c.gaps, float64(now.Sub(c.last).Microseconds())/1000)
		}
		c.last = now
		for _, v := range pcm {
			c.sumSquares += float64(v) * float64(v)
			sign := 0
			if v > 0 {
				sign = 1
			} else if v < 0 {
				sign = -1
			}
			if sign != 0 && c.prevSign != 0 && sign != c.prevSign {
				c.crossings++
			}
			if sign != 0 {
				c.prevSign = sign
			}
		}
		c.samples += int64(len(pcm))
	}
	c.mu.Unlock()
	if first && c.onFirstHear != nil {
		c.onFirstHear(now)
	}
	return nil
}

func (c *frameClock) Close() error { return nil }

func (c *frameClock) startWindow() {
	c.mu.Lock()
	c.measuring = true
	c.last = time.Time{}
	c.mu.Unlock()
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// stats over the window, in the Node callers' fields (null where nothing was heard).
func (c *frameClock) stats(windowMs float64) map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	gaps := append([]float64(nil), c.gaps...)
	sort.Float64s(gaps)
	pick := func(q float64) any {
		if len(gaps) == 0 {
			return nil
		}
		i := int(math.Ceil(q*float64(len(gaps)))) - 1
		return round1(gaps[min(len(gaps)-1, max(0, i))])
	}
	frames := c.samples / frame10ms
	row := map[string]any{
		"frames":       frames,
		"framesPerSec": round1(float64(frames) * 1000 / windowMs),
		"gapP50Ms":     pick(0.5),
		"gapP99Ms":     pick(0.99),
		"gapMaxMs":     pick(1),
		"toneHz":       nil,
		"rms":          nil,
	}
	if c.samples > 0 {
		row["toneHz"] = round1(float64(c.crossings) / 2 * sampleRate / float64(c.samples))
		row["rms"] = math.Round(math.Sqrt(c.sumSquares / float64(c.samples)))
	}
	return row
}

// ---------------------------------------------------------------------------------------------
// a caller

type caller struct {
	id, roomName string
	room         *lksdk.Room
	joinedAt     time.Time
	closed       atomic.Bool
	hearing      atomic.Bool
	heard        chan struct{}
	sent         atomic.Int64 // 10 ms frames of tone sent
	sentAtWindow int64

	mu      sync.Mutex
	clocks  map[string]*trackClock
	remotes []*lkmedia.PCMRemoteTrack
}

type trackClock struct {
	clock       *frameClock
	participant string
}

type settings struct {
	sessions, joinConcurrency, packetMs int
	agentName, roomPrefix               string
	toneHz, settleS, measureS, readyS   float64
	lingerS, connectTimeoutS            float64
	url, apiKey, apiSecret              string
}

// oneSecondOfTone: an integer frequency fits a whole number of periods in a second, so looping it
// is seamless.
func oneSecondOfTone(hz float64) []int16 {
	pcm := make([]int16, sampleRate)
	for i := range pcm {
		pcm[i] = int16(math.Round(toneLevel * math.Sin(2*math.Pi*hz*float64(i)/sampleRate)))
	}
	return pcm
}

func (c *caller) onTrack(track *webrtc.TrackRemote, _ *lksdk.RemoteTrackPublication, rp *lksdk.RemoteParticipant) {
	if track.Kind() != webrtc.RTPCodecTypeAudio {
		return
	}
	clock := &frameClock{}
	identity := rp.Identity()
	clock.onFirstHear = func(at time.Time) {
		if c.hearing.CompareAndSwap(false, true) {
			emit("hearing", map[string]any{"id": c.id, "agent": identity, "afterJoinMs": at.Sub(c.joinedAt).Milliseconds()})
			close(c.heard)
		}
	}
	remote, err := lkmedia.NewPCMRemoteTrack(track, clock, lkmedia.WithTargetSampleRate(sampleRate), lkmedia.WithTargetChannels(1))
	if err != nil {
		emit("error", map[string]any{"id": c.id, "message": "listen: " + err.Error()})
		return
	}
	c.mu.Lock()
	c.clocks[track.ID()] = &trackClock{clock: clock, participant: identity}
	c.remotes = append(c.remotes, remote)
	c.mu.Unlock()
}

// maxCatchUp bounds how much tone a caller sends at once after its goroutine was held up: as
// libwebrtc's 200 ms source queue behind rtc-node's captureFrame, late audio is sent late, but
// beyond it audio is skipped (and sentPerSec falls below 100).
const maxCatchUp = 200 * time.Millisecond

// playTone sends the tone: one Opus packet of packetMs each time one is due on the caller's clock
// (a ticker wakes it; a wake-up that came late sends every packet due since, up to maxCatchUp).
func (c *caller) playTone(track *webrtc.TrackLocalStaticSample, tone []int16, packetMs int) {
	packet := sampleRate * packetMs / 1000
	period := time.Duration(packetMs) * time.Millisecond
	writer := media.FromSampleWriter[opus.Sample](track, sampleRate, period)
	encoder, err := opus.Encode(writer, 1, protoLogger.GetLogger())
	if err != nil {
		emit("error", map[string]any{"id": c.id, "message": "tone: " + err.Error()})
		return
	}
	ticker := time.NewTicker(period)
	defer ticker.Stop()
	offset := 0
	start := time.Now()
	var packets int64 // due packets handled (sent, or skipped when too late)
	for !c.closed.Load() {
		<-ticker.C
		due := int64(time.Since(start)/period) + 1
		if late := due - packets; late > int64(maxCatchUp/period) {
			packets = due - int64(maxCatchUp/period) // skip what is beyond the catch-up
		}
		for ; packets < due && !c.closed.Load(); packets++ {
			if err := c.sendPacket(encoder, tone, &offset, packet); err != nil {
				emit("error", map[string]any{"id": c.id, "message": "tone: " + err.Error()})
				return
			}
			c.sent.Add(int64(packetMs / 10))
		}
	}
}

// sendPacket encodes the next packet of the looped tone and writes it to the track.
func (c *caller) sendPacket(encoder media.PCM16Writer, tone []int16, offset *int, packet int) error {
	end := *offset + packet
	var pcm media.PCM16Sample
	if end <= len(tone) {
		pcm = tone[*offset:end]
	} else { // a packet length that does not divide a second wraps around
		pcm = append(append(media.PCM16Sample{}, tone[*offset:]...), tone[:end-len(tone)]...)
	}
	*offset = end % len(tone)
	if err := encoder.WriteSample(pcm); err != nil && !c.closed.Load() {
		return err
	}
	return nil
}

func startCaller(s *settings, index int, tone []int16, dispatches *lksdk.AgentDispatchClient) (*caller, error) {
	c := &caller{
		id:       fmt.Sprintf("caller-%d", index),
		roomName: fmt.Sprintf("%s-%d", s.roomPrefix, index),
		heard:    make(chan struct{}),
		clocks:   map[string]*trackClock{},
	}
	token, err := auth.NewAccessToken(s.apiKey, s.apiSecret).
		SetIdentity(c.id).SetValidFor(time.Hour).
		SetVideoGrant(&auth.VideoGrant{RoomJoin: true, Room: c.roomName, CanPublish: ptr(true), CanSubscribe: ptr(true)}).
		ToJWT()
	if err != nil {
		return nil, err
	}
	callback := lksdk.NewRoomCallback()
	callback.OnTrackSubscribed = c.onTrack
	room, err := lksdk.ConnectToRoomWithToken(s.url, token, callback, lksdk.WithAutoSubscribe(true),
		lksdk.WithConnectTimeout(time.Duration(s.connectTimeoutS*float64(time.Second))))
	if err != nil {
		return nil, err
	}
	c.room = room
	c.joinedAt = time.Now()
	emit("joined", map[string]any{"id": c.id, "room": c.roomName})

	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus}, "caller-tone", c.id)
	if err != nil {
		room.Disconnect()
		return nil, err
	}
	if _, err := room.LocalParticipant.PublishTrack(track, &lksdk.TrackPublicationOptions{
		Name: "caller-tone", Source: livekit.TrackSource_MICROPHONE}); err != nil {
		room.Disconnect()
		return nil, fmt.Errorf("publish: %w", err)
	}
	go c.playTone(track, tone, s.packetMs)
	if s.agentName != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		metadata, _ := json.Marshal(map[string]string{"benchmark": "media-density"})
		d, err := dispatches.CreateDispatch(ctx, &livekit.CreateAgentDispatchRequest{
			AgentName: s.agentName, Room: c.roomName, Metadata: string(metadata)})
		if err != nil {
			return c, fmt.Errorf("dispatch: %w", err)
		}
		emit("dispatched", map[string]any{"id": c.id, "room": c.roomName, "dispatchId": d.Id})
	}
	return c, nil
}

func ptr[T any](v T) *T { return &v }

// startAll starts the callers with bounded concurrency; a join that fails is tried once more.
func startAll(s *settings, tone []int16, dispatches *lksdk.AgentDispatchClient) []*caller {
	var (
		mu      sync.Mutex
		callers []*caller
		next    atomic.Int64
		wg      sync.WaitGroup
	)
	for w := 0; w < min(s.joinConcurrency, s.sessions); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				index := int(next.Add(1) - 1)
				if index >= s.sessions {
					return
				}
				for attempt := 1; attempt <= joinRetries; attempt++ {
					c, err := startCaller(s, index, tone, dispatches)
					if c != nil { // joined (a failed dispatch is reported, the caller kept)
						mu.Lock()
						callers = append(callers, c)
						mu.Unlock()
					}
					if err == nil {
						break
					}
					emit("error", map[string]any{"id": fmt.Sprintf("caller-%d", index), "attempt": attempt, "message": "join: " + err.Error()})
					if c != nil {
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	sort.Slice(callers, func(i, j int) bool { return callerIndex(callers[i].id) < callerIndex(callers[j].id) })
	return callers
}

func callerIndex(id string) int {
	var n int
	fmt.Sscanf(strings.TrimPrefix(id, "caller-"), "%d", &n)
	return n
}

// percentile: the q-quantile (nearest rank) of the non-null values, or nil.
func percentile(values []any, q float64) any {
	var sorted []float64
	for _, v := range values {
		if f, ok := v.(float64); ok {
			sorted = append(sorted, f)
		}
	}
	if len(sorted) == 0 {
		return nil
	}
	sort.Float64s(sorted)
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(len(sorted)-1, max(0, i))]
}

func parseSettings() *settings {
	s := &settings{}
	flag.IntVar(&s.sessions, "sessions", 1, "callers (rooms)")
	flag.StringVar(&s.agentName, "agent-name", "", "agent to dispatch into every room (none: no dispatch)")
	flag.StringVar(&s.roomPrefix, "room-prefix", fmt.Sprintf("bench-%x", time.Now().UnixMilli()), "room name prefix")
	flag.Float64Var(&s.toneHz, "tone-hz", 440, "the callers' tone")
	flag.Float64Var(&s.settleS, "settle-s", 3, "wait after every caller hears its agent")
	flag.Float64Var(&s.measureS, "measure-s", 20, "measuring window")
	flag.Float64Var(&s.readyS, "ready-timeout-s", 60, "longest wait for every caller to hear its agent")
	flag.IntVar(&s.joinConcurrency, "join-concurrency", 4, "callers joining at once")
	flag.Float64Var(&s.connectTimeoutS, "connect-timeout-s", 15, "how long one join may take (the SDK's default is 5 s: too short on a saturated machine)")
	flag.Float64Var(&s.lingerS, "linger-s", 2, "the rooms stay (tone playing) this long after the window")
	flag.IntVar(&s.packetMs, "packet-ms", 20, "Opus packet duration sent (10, 20, 40 or 60)")
	flag.Parse()
	if s.sessions <= 0 || s.toneHz <= 0 || s.settleS <= 0 || s.measureS <= 0 || s.readyS <= 0 || s.joinConcurrency <= 0 {
		fail("--sessions, --tone-hz, --settle-s, --measure-s, --ready-timeout-s and --join-concurrency must be positive")
	}
	if s.connectTimeoutS <= 0 {
		fail("--connect-timeout-s must be positive")
	}
	if s.lingerS < 0 {
		fail("--linger-s must not be negative")
	}
	if s.packetMs != 10 && s.packetMs != 20 && s.packetMs != 40 && s.packetMs != 60 {
		fail("--packet-ms must be 10, 20, 40 or 60, not %d", s.packetMs)
	}
	s.url = requiredEnv("LIVEKIT_URL")
	s.apiKey = requiredEnv("LIVEKIT_API_KEY")
	s.apiSecret = requiredEnv("LIVEKIT_API_SECRET")
	return s
}

func main() {
	s := parseSettings()
	httpURL := "http" + strings.TrimPrefix(s.url, "ws")
	dispatches := lksdk.NewAgentDispatchServiceClient(httpURL, s.apiKey, s.apiSecret)
	rooms := lksdk.NewRoomServiceClient(httpURL, s.apiKey, s.apiSecret)
	tone := oneSecondOfTone(s.toneHz)

	emit("ready", map[string]any{"pid": os.Getpid(), "sessions": s.sessions, "agentName": s.agentName,
		"roomPrefix": s.roomPrefix, "driver": "go", "packetMs": s.packetMs})
	started := time.Now()
	callers := startAll(s, tone, dispatches)

	waitStart := time.Now()
	deadline := time.After(time.Duration(s.readyS * float64(time.Second)))
	timedOut := false
wait:
	for _, c := range callers {
		select {
		case <-c.heard:
		case <-deadline:
			timedOut = true
			break wait
		}
	}
	hearing := 0
	for _, c := range callers {
		if c.hearing.Load() {
			hearing++
		}
	}
	emit("all-hearing", map[string]any{"count": hearing, "of": s.sessions, "timedOut": timedOut,
		"waitedMs": time.Since(waitStart).Milliseconds(), "sinceStartMs": time.Since(started).Milliseconds()})

	time.Sleep(time.Duration(s.settleS * float64(time.Second)))
	for _, c := range callers {
		c.mu.Lock()
		for _, t := range c.clocks {
			t.clock.startWindow()
		}
		c.mu.Unlock()
		c.sentAtWindow = c.sent.Load()
	}
	// Tracks subscribed later (unlikely) join the window late; their rate says so.
	emit("window-start", map[string]any{"measureMs": s.measureS * 1000})
	windowStart := time.Now()
	time.Sleep(time.Duration(s.measureS * float64(time.Second)))
	windowMs := float64(time.Since(windowStart).Microseconds()) / 1000
	emit("window-end", map[string]any{"windowMs": math.Round(windowMs)})

	var results []map[string]any
	for _, c := range callers {
		sentPerSec := round1(float64(c.sent.Load()-c.sentAtWindow) * 1000 / windowMs)
		// The agent's track is the remote audio track this caller heard most of.
		var best map[string]any
		c.mu.Lock()
		for _, t := range c.clocks {
			st := t.clock.stats(windowMs)
			st["participant"] = t.participant
			if best == nil || st["frames"].(int64) > best["frames"].(int64) {
				best = st
			}
		}
		tracks := len(c.clocks)
		c.mu.Unlock()
		row := map[string]any{"id": c.id, "room": c.roomName, "tracks": tracks, "sentPerSec": sentPerSec}
		if best == nil {
			best = map[string]any{"frames": int64(0), "framesPerSec": 0.0}
		}
		for k, v := range best {
			row[k] = v
		}
		emit("caller", row)
		results = append(results, row)
	}
	for i := len(callers); i < s.sessions; i++ {
		results = append(results, map[string]any{"id": fmt.Sprintf("caller-%d", i), "frames": int64(0), "framesPerSec": 0.0, "failed": true})
	}
	var fps, p99, gapMax []any
	sum, minFps := 0.0, math.Inf(1)
	for _, r := range results {
		f, _ := r["framesPerSec"].(float64)
		sum += f
		minFps = math.Min(minFps, f)
		fps = append(fps, f)
		p99 = append(p99, r["gapP99Ms"])
		gapMax = append(gapMax, r["gapMaxMs"])
	}
	var minValue any
	if len(fps) > 0 {
		minValue = minFps
	}
	emit("summary", map[string]any{
		"sessions": s.sessions, "callersJoined": len(callers), "callersHearing": hearing,
		"framesPerSecMean": round1(sum / math.Max(1, float64(len(fps)))), "framesPerSecMin": minValue,
		"gapP99MsMedian": percentile(p99, 0.5), "gapP99MsWorst": percentile(p99, 1), "gapMaxMsWorst": percentile(gapMax, 1),
	})

	time.Sleep(time.Duration(s.lingerS * float64(time.Second)))
	for _, c := range callers {
		c.closed.Store(true)
	}
	var wg sync.WaitGroup
	for _, c := range callers {
		wg.Add(1)
		go func(c *caller) {
			defer wg.Done()
			c.room.Disconnect()
			c.mu.Lock()
			for _, r := range c.remotes {
				r.Close()
			}
			c.mu.Unlock()
			// Deleting the room ends the agent's session at once instead of after its timeout.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := rooms.DeleteRoom(ctx, &livekit.DeleteRoomRequest{Room: c.roomName}); err != nil && !errors.Is(err, context.Canceled) {
				emit("error", map[string]any{"id": c.id, "message": "delete room: " + err.Error()})
			}
		}(c)
	}
	wg.Wait()
	emit("done", nil)
}
