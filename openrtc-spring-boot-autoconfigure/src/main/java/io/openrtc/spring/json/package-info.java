/** JSON writing without a JSON library, for the playground and the audit log. */
package io.openrtc.spring.json;
