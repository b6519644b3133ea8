package org.farmlive.app

import java.io.Closeable
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.net.URI
import java.util.Collections
import kotlin.concurrent.thread

/**
 * A TCP relay on loopback in front of the test hub, so that a test can take
 * "the network" away and give it back: the phone enrols with [url]; [down]
 * closes the port and every open connection (the phone then sees connection
 * refused, as with no network or a hub that is down); [up] listens again on
 * the same port. Bytes are relayed as they are, both ways.
 */
class HubProxy(hubUrl: String) : Closeable {
    private val hub = URI(hubUrl)
    private val open = Collections.synchronizedSet(mutableSetOf<Socket>())
    @Volatile private var server: ServerSocket? = null
    private val port: Int

    init {
        port = listen(0)
    }

    /** The relay's address, for the phone. */
    val url: String get() = "http://127.0.0.1:$port"

    private fun listen(at: Int): Int {
        val s = ServerSocket().apply { reuseAddress = true; bind(InetSocketAddress("127.0.0.1", at)) }
        server = s
        thread(isDaemon = true, name = "hub-proxy-accept") {
            while (!s.isClosed) {
                val client = try { s.accept() } catch (_: Exception) { break }
                val upstream = try { Socket(hub.host, hub.port) } catch (_: Exception) { client.close(); continue }
                open += client
                open += upstream
                relay(client, upstream)
                relay(upstream, client)
            }
        }
        return s.localPort
    }

    private fun relay(from: Socket, to: Socket) = thread(isDaemon = true, name = "hub-proxy-relay") {
        try {
            from.getInputStream().copyTo(to.getOutputStream(), 16 * 1024)
        } catch (_: Exception) {
        } finally {
            from.close()
            to.close()
            open -= from
            open -= to
        }
    }

    /** Takes the network away: no new connection is accepted, open ones are cut. */
    fun down() {
        server?.close()
        server = null
        synchronized(open) { open.toList() }.forEach { it.close() }
    }

    /** Gives it back, on the same port. */
    fun up() {
        if (server == null) listen(port)
    }

    override fun close() = down()
}
