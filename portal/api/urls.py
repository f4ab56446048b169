from rest_framework.routers import DefaultRouter

from .views import ApiRootView, AuditEventViewSet

router = DefaultRouter()
router.APIRootView = ApiRootView  # declares its roles like every other API view
router.register("audit-events", AuditEventViewSet, basename="audit-event")
urlpatterns = router.urls
