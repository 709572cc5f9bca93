/**
 * Spring AI as the voice pipeline's model layer: {@link io.openrtc.spring.ai.SpringAiSpeechToText}
 * adapts a {@code TranscriptionModel}, {@link io.openrtc.spring.ai.SpringAiTextToSpeech} a
 * {@code TextToSpeechModel}. The Spring Boot starter makes them from the application's model beans.
 */
package io.openrtc.spring.ai;
