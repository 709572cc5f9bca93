/**
 * The voice pipeline (VAD, speech-to-text, LLM, text-to-speech, turn taking); later rounds.
 */
package io.openrtc.voice;
