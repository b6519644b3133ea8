// The thin FarmLive app shell: platform APIs (Activity, Camera2,
// AudioRecord, widgets) and WorkManager for background sync, so that it also
// compiles against android-all (plus the unpacked AndroidX jar) in the host
// tests; everything else is the core's.
plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "org.farmlive.app"
    compileSdk = 35
    defaultConfig {
        applicationId = "org.farmlive.app"
        minSdk = 24
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
    }
    buildTypes {
        release {
            isMinifyEnabled = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"))
        }
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }
}

dependencies {
    implementation(project(":farmlive"))
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.10.2")
    // Background sync (SyncWorker); the host tests unpack the same version
    // (android/androidx/pom.xml). Its manifest brings the services, receivers
    // and permissions; ours removes its androidx.startup initializer (FarmLiveApp).
    implementation("androidx.work:work-runtime:2.10.0")
}
